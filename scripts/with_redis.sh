#!/usr/bin/env bash
# Runs a command with a Redis of its own: installs redis-server when missing, starts it on a free
# 127.0.0.1 port in a temporary folder (no persistence, a random password, in the foreground of
# its own process), exports GLMGATE_TEST_REDIS_URL=redis://:PASSWORD@127.0.0.1:PORT/0, runs the
# command, then stops Redis by its PID and removes the folder. Exits with the command's status.
#   scripts/with_redis.sh build/release/tests/redis_tests
set -euo pipefail
(($# > 0)) || { echo "usage: $0 command [args...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/install_deps.sh" test >&2

server="$(command -v redis-server || echo /usr/bin/redis-server)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/glmgate-redis-XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

password="$(openssl rand -hex 24)"
# A random high port; one that is taken makes Redis exit at once, and the next try picks another.
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  (umask 077 && cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
daemonize no
save ""
appendonly no
requirepass $password
CONF
  )
  "$server" "$dir/redis.conf" &
  pid=$!
  for _ in $(seq 100); do
    if REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      break 2
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  [ "$attempt" = 5 ] && { echo "with_redis: redis-server did not start:" >&2; cat "$dir/redis.log" >&2 || true; exit 1; }
done

export GLMGATE_TEST_REDIS_URL="redis://:$password@127.0.0.1:$port/0"
status=0
"$@" || status=$?
exit "$status"

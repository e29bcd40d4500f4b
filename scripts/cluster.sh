#!/usr/bin/env bash
# Several glmgate servers on this machine, to try them: a PostgreSQL server, Redis when this
# glmgate knows the `redis` config key, `glmgate migrate`, an admin key, and N servers on one
# store (`make cluster`, or scripts/cluster.sh directly):
#   scripts/cluster.sh [-n N] [--port PORT] [--one-port] [--dir DIR] [--config FILE]
#     -n N           servers (default 3)
#     --port PORT    the first server's port (default 8080); the others take the next ones
#     --one-port     every server on PORT, sharing it with reuse_port = true
#     --dir DIR      keep everything in DIR (the database, the configs, the logs) and use it again
#                    next time; without it a temporary folder, removed at the end
#     --config FILE  a glmgate config to take providers, models and the rest from (its listen,
#                    store, reuse_port and redis are set here); without it the servers use the
#                    fake provider built with glmgate (tools/fake_provider), no provider key needed
# It prints the servers' URLs and the admin key, and runs until Ctrl-C or SIGTERM, then stops
# every process it started, by PID. GLMGATE_BIN and FAKE_PROVIDER_BIN name other binaries than
# build/release's.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
glmgate=${GLMGATE_BIN:-$root/build/release/glmgate}
fake_bin=${FAKE_PROVIDER_BIN:-$root/build/release/fake_provider}
n=3
first_port=8080
one_port=0
dir=""
base_config=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) n=${2:?}; shift 2 ;;
    --port) first_port=${2:?}; shift 2 ;;
    --one-port) one_port=1; shift ;;
    --dir) dir=${2:?}; shift 2 ;;
    --config) base_config=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "cluster: unknown argument $1" >&2; usage ;;
  esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "cluster: -n takes a number from 1" >&2; exit 2; }
[[ $first_port =~ ^[0-9]+$ ]] && [ "$first_port" -ge 1 ] && [ $((first_port + n - 1)) -le 65535 ] \
  || { echo "cluster: --port takes a port from 1 to $((65536 - n))" >&2; exit 2; }
[ -x "$glmgate" ] || { echo "cluster: no $glmgate: build it first (make build)" >&2; exit 1; }
[ -z "$base_config" ] || [ -f "$base_config" ] || { echo "cluster: no config $base_config" >&2; exit 1; }
[ -n "$base_config" ] || [ -x "$fake_bin" ] \
  || { echo "cluster: no $fake_bin: build it first (make build), or pass --config" >&2; exit 1; }

ports=()
for ((i = 0; i < n; i++)); do
  if [ "$one_port" = 1 ]; then ports+=("$first_port"); else ports+=($((first_port + i))); fi
done
for port in $(printf '%s\n' "${ports[@]}" | sort -u); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "cluster: something already listens on 127.0.0.1:$port; choose others with --port" >&2
    exit 1
  fi
done

bash "$root/scripts/install_deps.sh" test >&2
source "$root/scripts/postgres_lib.sh"
pg_find_programs || exit 1

keep=1
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/glmgate-cluster.XXXXXX)
  chmod 711 "$dir"  # the postgres user goes through it to its own folder; the files stay 600
  keep=0
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ${#pg_as_server[@]} -gt 0 ] && ! "${pg_as_server[@]}" test -x "$dir"; then
  echo "cluster: PostgreSQL runs as the postgres user, which cannot reach $dir: choose a folder" \
    "it can (under /var/tmp, say)" >&2
  exit 1
fi

pids=()  # the servers', Redis's and the fake's: stopped in reverse order
cleanup() {
  trap - EXIT INT TERM
  echo "cluster: stopping" >&2
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  pg_stop
  if [ "$keep" = 0 ]; then rm -rf "$dir"; else echo "cluster: kept $dir" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port for a helper (Redis, the fake provider picks its own).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# PostgreSQL: the database `glmgate` of the role `glmgate`, whose password is kept in the folder.
pg_init "$dir/postgres/data"
pg_start "$dir/postgres/data" "$dir/postgres"
password_file="$dir/postgres.password"
if [ ! -s "$password_file" ]; then
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$password_file")
  pg_sql -c "CREATE ROLE glmgate LOGIN PASSWORD '$(cat "$password_file")'" \
    -c "CREATE DATABASE glmgate OWNER glmgate"
fi
store="postgres://glmgate:$(cat "$password_file")@127.0.0.1:$pg_port/glmgate"
echo "cluster: PostgreSQL on 127.0.0.1:$pg_port (pid $pg_pid, data in $dir/postgres)"

# The providers and models: the user's config without what is set here, or the fake provider.
catalog="$dir/catalog.toml"
if [ -n "$base_config" ]; then
  grep -vE '^[[:space:]]*(listen|store|reuse_port|redis)[[:space:]]*=' "$base_config" >"$catalog"
  echo "cluster: providers and models from $base_config"
else
  "$fake_bin" --port 0 >"$dir/fake_provider.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    fake_url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$dir/fake_provider.log" | head -n 1 || true)
    [ -n "$fake_url" ] && break
    sleep 0.1
  done
  [ -n "$fake_url" ] || { echo "cluster: the fake provider did not start" >&2; exit 1; }
  cat >"$catalog" <<TOML
[[providers]]
name = "fake"
base_url = "$fake_url/v1"
[[models]]
id = "glm-5.2"
provider = "fake"
input_price_per_mtok = 2.5
output_price_per_mtok = 7.5
TOML
  echo "cluster: the fake provider on $fake_url (model glm-5.2; pass --config for real ones)"
fi

# One config per server: its listen, the shared store, Redis when there is one.
redis_port=$(free_port)
write_configs() {  # $1: the redis line, or nothing
  for ((i = 0; i < n; i++)); do
    mkdir -p "$dir/server$((i + 1))"
    {
      echo "listen = \"127.0.0.1:${ports[i]}\""
      [ "$one_port" = 1 ] && echo "reuse_port = true"
      echo "store = \"$store\""
      [ -n "$1" ] && echo "$1"
      cat "$catalog"
    } >"$dir/server$((i + 1))/glmgate.toml"
    chmod 600 "$dir/server$((i + 1))/glmgate.toml"  # it holds the database's password
  done
}
cli() { "$glmgate" "$@" --config "$dir/server1/glmgate.toml"; }

redis_line=""
if ! command -v redis-server >/dev/null 2>&1; then
  echo "cluster: redis-server is not installed: the servers run without Redis"
else
  redis_line="redis = \"redis://127.0.0.1:$redis_port/0\""
fi
write_configs "$redis_line"
# `glmgate migrate` reads the config first: a build without Redis support refuses the key.
if ! migrated=$(cli migrate 2>&1); then
  if [ -n "$redis_line" ] && grep -q 'redis: unknown key' <<<"$migrated"; then
    echo "cluster: this glmgate does not know the config key redis (no Redis support in this" \
      "build): the servers run without Redis"
    redis_line=""
    write_configs ""
    migrated=$(cli migrate)
  else
    echo "$migrated" >&2
    exit 1
  fi
fi
echo "cluster: $migrated"
if [ -n "$redis_line" ]; then
  mkdir -p "$dir/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --save "" \
    --appendonly no >"$dir/redis/redis.log" 2>&1 &
  pids+=($!)
  echo "cluster: Redis on 127.0.0.1:$redis_port (pid ${pids[-1]})"
fi

# The admin key: made once and kept in the folder (a server makes one only on an empty store).
admin_file="$dir/admin.key"
if [ ! -s "$admin_file" ]; then
  (umask 077 && cli keys create --admin --name cluster | tail -n 1 >"$admin_file")
fi

for ((i = 0; i < n; i++)); do
  log="$dir/server$((i + 1))/glmgate.log"
  "$glmgate" serve --config "$dir/server$((i + 1))/glmgate.toml" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q 'glmgate listening on' "$log" && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'glmgate listening on' "$log"; then
    echo "cluster: server $((i + 1)) did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
done

echo
for ((i = 0; i < n; i++)); do
  echo "  server $((i + 1)): http://127.0.0.1:${ports[i]}  (pid ${pids[-n + i]}, log $dir/server$((i + 1))/glmgate.log)"
done
[ "$one_port" = 1 ] && echo "  (all on one port with reuse_port: the kernel spreads connections over them)"
cat <<EOF

  admin key: $(cat "$admin_file")   (also in $admin_file)
  the CLI:   $glmgate --config $dir/server1/glmgate.toml accounts create alice
  a call:    curl http://127.0.0.1:${ports[0]}/v1/chat/completions -H "Authorization: Bearer \$(cat $admin_file)" \\
               -d '{"model":"glm-5.2","messages":[{"role":"user","content":"hi"}]}'

Ctrl-C (or SIGTERM to pid $$) stops every server, Redis, the fake provider and PostgreSQL.
EOF

# Until stopped; a server that exits on its own is reported once.
declare -A reported=()
while :; do
  sleep 1
  for ((i = 0; i < n; i++)); do
    pid=${pids[-n + i]}
    if [ -z "${reported[$pid]:-}" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "cluster: server $((i + 1)) (pid $pid) exited; see $dir/server$((i + 1))/glmgate.log" >&2
      reported[$pid]=1
    fi
  done
done

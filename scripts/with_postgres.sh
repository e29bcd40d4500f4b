#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server, for the store tests:
#   scripts/with_postgres.sh <command...>
# Installs the server when it is missing (install_deps.sh test), makes a cluster in a temporary
# folder (as the `postgres` user when run as root: PostgreSQL refuses to run as root), starts it on
# a free port of 127.0.0.1 (its socket in that folder, fsync off: nothing here needs to survive a
# crash), creates the role `glmgate` with a random password and its database `glmgate`, and runs
# the command with GLMGATE_TEST_POSTGRES_URL=postgres://glmgate:PASSWORD@127.0.0.1:PORT/glmgate.
# The server loads pg_stat_statements and the database has the extension (created by the
# superuser), so `make bench` can count the statements each request costs; a PostgreSQL without it
# (no contrib module) runs as before, without the view.
# Then it stops the server by its PID and removes the folder, whatever happened, and exits with the
# command's status.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install_deps.sh" test >&2

# The server's programs: Debian keeps them out of PATH, per major version (the newest wins).
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  bindir=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")
fi
[ -x "$bindir/initdb" ] || { echo "with_postgres: no PostgreSQL server programs found" >&2; exit 1; }
psql="$bindir/psql"
[ -x "$psql" ] || psql=psql
pkglibdir=$("$bindir/pg_config" --pkglibdir 2>/dev/null || echo "$bindir/../lib")
statements=()
if [ -f "$pkglibdir/pg_stat_statements.so" ]; then
  statements=(-c shared_preload_libraries=pg_stat_statements)
fi

dir=$(mktemp -d /tmp/glmgate-pg.XXXXXX)
pid=""       # the postmaster's, once it is up
launcher=""  # what started it (runuser, or the server itself)
cleanup() {
  [ -n "$pid" ] || pid=$launcher
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true  # fast shutdown: ends the sessions, no checkpoint wait
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_server=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$dir"
  if command -v runuser >/dev/null 2>&1; then
    as_server=(runuser -u postgres --)
  else
    as_server=(su -s /bin/sh postgres -c '"$0" "$@"')
  fi
fi

password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
"${as_server[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C -N \
  --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

# The server runs in the background of this script (not daemonized), so that a runner that kills
# this script's process tree stops it too. A free port: one nothing answers on, and another if the
# server cannot bind it after all (a race with another process).
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  "${as_server[@]}" "$bindir/postgres" -D "$dir/data" -p "$port" -k "$dir" \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off "${statements[@]}" >"$dir/server.log" 2>&1 &
  launcher=$!
  for _ in $(seq 300); do
    if "$bindir/pg_isready" -q -h "$dir" -p "$port"; then
      pid=$(head -n 1 "$dir/data/postmaster.pid")
      break 2
    fi
    kill -0 "$launcher" 2>/dev/null || break  # it exited: the port, most likely
    sleep 0.1
  done
  kill "$launcher" 2>/dev/null || true  # not up after 30 s: try another port
  wait "$launcher" 2>/dev/null || true
  launcher=""
done
if [ -z "$pid" ]; then
  echo "with_postgres: the server did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

"$psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE glmgate LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE glmgate OWNER glmgate" >&2
if ((${#statements[@]})); then
  "$psql" -h "$dir" -p "$port" -U postgres -d glmgate -v ON_ERROR_STOP=1 -q \
    -c "CREATE EXTENSION pg_stat_statements" >&2
fi

export GLMGATE_TEST_POSTGRES_URL="postgres://glmgate:$password@127.0.0.1:$port/glmgate"
set +e
"$@"
status=$?
set -e
exit "$status"

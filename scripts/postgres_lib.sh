# A PostgreSQL server of a script's own, for scripts/with_postgres.sh (tests) and
# scripts/cluster.sh (a local cluster to try). Sourced, not run:
#   source scripts/postgres_lib.sh
#   pg_find_programs             # sets pg_bindir and pg_psql
#   pg_init DATA                 # initdb into DATA (not when it holds a cluster already)
#   pg_start DATA SOCKETS [ARGS...]   # on a free port of 127.0.0.1; sets pg_port and pg_pid
#   pg_stop                      # by pg_pid (or the launcher's), whatever state it is in
#   pg_sql ARGS...               # psql as the superuser over the server's socket
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root), and DATA's
# folder and SOCKETS are handed to it. The server runs in the background of the calling script,
# not daemonized, so that whoever kills the script's process tree stops it too. Errors go to
# stderr and return 1.

pg_bindir=""
pg_psql=""
pg_port=""
pg_sockets=""
pg_pid=""       # the postmaster's, once it is up
pg_launcher=""  # what started it (runuser, or the server itself)
pg_as_server=()

pg_find_programs() {
  # Debian keeps the server's programs out of PATH, per major version (the newest wins).
  pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$pg_bindir" ] || [ ! -x "$pg_bindir/postgres" ]; then
    pg_bindir=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")
  fi
  [ -x "$pg_bindir/initdb" ] || { echo "no PostgreSQL server programs found" >&2; return 1; }
  pg_psql="$pg_bindir/psql"
  [ -x "$pg_psql" ] || pg_psql=psql
  pg_as_server=()
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      pg_as_server=(runuser -u postgres --)
    else
      pg_as_server=(su -s /bin/sh postgres -c '"$0" "$@"')
    fi
  fi
}

# Hands `dir` to the server's user when running as root.
pg_own() {
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$1"; fi
}

pg_init() {
  local data=$1
  [ -f "$data/PG_VERSION" ] && return 0
  mkdir -p "$(dirname "$data")"
  pg_own "$(dirname "$data")"
  "${pg_as_server[@]}" "$pg_bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C -N \
    --auth-local=trust --auth-host=scram-sha-256 >"$data.initdb.log" 2>&1 \
    || { cat "$data.initdb.log" >&2; return 1; }
}

# A free port: one nothing answers on, and another if the server cannot bind it after all (a
# race with another process).
pg_start() {
  local data=$1 sockets=$2
  shift 2
  mkdir -p "$sockets"
  pg_own "$sockets"
  pg_sockets=$sockets
  local log="$data.server.log"
  for _ in 1 2 3 4 5; do
    pg_port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; then continue; fi
    "${pg_as_server[@]}" "$pg_bindir/postgres" -D "$data" -p "$pg_port" -k "$sockets" \
      -c listen_addresses=127.0.0.1 "$@" >"$log" 2>&1 &
    pg_launcher=$!
    for _ in $(seq 300); do
      if "$pg_bindir/pg_isready" -q -h "$sockets" -p "$pg_port"; then
        pg_pid=$(head -n 1 "$data/postmaster.pid")
        return 0
      fi
      kill -0 "$pg_launcher" 2>/dev/null || break  # it exited: the port, most likely
      sleep 0.1
    done
    kill "$pg_launcher" 2>/dev/null || true  # not up after 30 s: try another port
    wait "$pg_launcher" 2>/dev/null || true
    pg_launcher=""
  done
  echo "the PostgreSQL server did not start:" >&2
  cat "$log" >&2 || true
  return 1
}

pg_stop() {
  local pid=${pg_pid:-$pg_launcher}
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true  # fast shutdown: ends the sessions, no checkpoint wait
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  pg_pid=""
  pg_launcher=""
}

pg_sql() {
  "$pg_psql" -h "$pg_sockets" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"
}

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
# command's status. The server's part is scripts/postgres_lib.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install_deps.sh" test >&2
source "$root/scripts/postgres_lib.sh"
pg_find_programs || { echo "with_postgres: cannot run PostgreSQL" >&2; exit 1; }
pkglibdir=$("$pg_bindir/pg_config" --pkglibdir 2>/dev/null || echo "$pg_bindir/../lib")
statements=()
if [ -f "$pkglibdir/pg_stat_statements.so" ]; then
  statements=(-c shared_preload_libraries=pg_stat_statements)
fi

dir=$(mktemp -d /tmp/glmgate-pg.XXXXXX)
cleanup() {
  pg_stop
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_own "$dir"
pg_init "$dir/data" || exit 1
pg_start "$dir/data" "$dir" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  "${statements[@]}" || exit 1

password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
pg_sql -c "CREATE ROLE glmgate LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE glmgate OWNER glmgate" >&2
if ((${#statements[@]})); then
  "$pg_psql" -h "$pg_sockets" -p "$pg_port" -U postgres -d glmgate -v ON_ERROR_STOP=1 -q \
    -c "CREATE EXTENSION pg_stat_statements" >&2
fi

export GLMGATE_TEST_POSTGRES_URL="postgres://glmgate:$password@127.0.0.1:$pg_port/glmgate"
set +e
"$@"
status=$?
set -e
exit "$status"

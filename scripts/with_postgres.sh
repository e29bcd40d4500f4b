#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server, for the store tests:
#   scripts/with_postgres.sh <command...>
# Installs the server when it is missing (install_deps.sh test), makes a cluster in a temporary
# folder (as the `postgres` user when run as root: PostgreSQL refuses to run as root), starts it on
# a free port of 127.0.0.1 (its socket in that folder, fsync off: nothing here needs to survive a
# crash), creates the role `glmgate` with a random password and its database `glmgate`, and runs
# the command with GLMGATE_TEST_POSTGRES_URL=postgres://glmgate:PASSWORD@127.0.0.1:PORT/glmgate.
# Then it stops the server by its PID and removes the folder, whatever happened, and exits with the
# command's status. The server's part is scripts/postgres_lib.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install_deps.sh" test >&2
source "$root/scripts/postgres_lib.sh"
pg_find_programs || { echo "with_postgres: cannot run PostgreSQL" >&2; exit 1; }

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
  || exit 1

password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
pg_sql -c "CREATE ROLE glmgate LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE glmgate OWNER glmgate" >&2

export GLMGATE_TEST_POSTGRES_URL="postgres://glmgate:$password@127.0.0.1:$pg_port/glmgate"
set +e
"$@"
status=$?
set -e
exit "$status"

#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback:
#   scripts/postgres.sh COMMAND...   (COMMAND sees LMS_TEST_DATABASE_URL)
# The server's files live in a temporary folder that is removed afterwards.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "error: PostgreSQL server binaries not found (install the Debian package 'postgresql')" >&2
  exit 1
fi

workdir=$(mktemp -d /tmp/lms-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root; the postgresql package provides the postgres user.
  chown postgres:postgres "$workdir"
  as_owner=(runuser -u postgres --)
fi

cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${as_owner[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"$bindir/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE lms_test" >/dev/null
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

export LMS_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/lms_test"
"$@"

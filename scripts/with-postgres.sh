#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster on a loopback port, then stops and removes it.
# The command sees ESAFETY_TEST_DATABASE_URL. PostgreSQL refuses to run as root, so as root the cluster
# runs as the `postgres` system user (created by Debian's package).
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || bindir=$(dirname "$(command -v pg_ctl)")
[ -x "$bindir/pg_ctl" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
port=${ESAFETY_PG_PORT:-55432}
dir=$(mktemp -d /tmp/esafety-pg.XXXXXX)
chmod 755 "$dir"
as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
stop() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U esafety -E UTF8 --no-sync >/dev/null
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U esafety esafety_test
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
export ESAFETY_TEST_DATABASE_URL="postgresql+psycopg://esafety@127.0.0.1:$port/esafety_test"
"$@"

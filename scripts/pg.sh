#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster for the test suite on 127.0.0.1:PORT.
# As root the server runs as the 'postgres' user, as PostgreSQL requires.
set -euo pipefail
cmd=${1:-start}
port=${2:-54329}
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
data=/tmp/openrvu-pg-$port
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then exit 0; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
      as_pg "$bindir/initdb" -D "$data" -A trust -U postgres --no-sync >/dev/null
    fi
    as_pg "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_roles WHERE rolname='openrvu'" | grep -q 1 \
      || as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE openrvu LOGIN CREATEDB SUPERUSER"
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='openrvu_test'" | grep -q 1 \
      || as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE openrvu_test OWNER openrvu"
    echo "postgresql on 127.0.0.1:$port"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: pg.sh start|stop [port]" >&2; exit 2 ;;
esac

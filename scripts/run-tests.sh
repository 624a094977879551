#!/usr/bin/env bash
# Runs pytest with a throwaway PostGIS server that is always stopped afterwards.
# Without PostGIS the PostGIS tests are skipped with one line; under CI=true that is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGROOT=""
cleanup() {
  if [ -n "$PGROOT" ] && [ -d "$PGROOT/data" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
  fi
}
trap cleanup EXIT INT TERM
if [ -z "${LANDRELEASE_TEST_PG:-}" ] && [ -n "$PGBIN" ] && [ "$(id -u)" = "0" ] \
   && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  PGROOT=$(mktemp -d); chown postgres "$PGROOT"
  PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  if runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w \
       -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGROOT -c fsync=off" start >/dev/null; then
    runuser -u postgres -- "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    export LANDRELEASE_TEST_PG="postgresql://postgres@127.0.0.1:$PORT/postgres"
    echo "PostGIS test server on port $PORT"
  else
    echo "could not start the PostGIS test server:"; cat "$PGROOT/log"
  fi
fi
.venv/bin/python -m pytest "$@"

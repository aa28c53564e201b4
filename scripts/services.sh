#!/usr/bin/env bash
# Throwaway PostgreSQL + Redis on free loopback ports in a temp directory, for the test suite and the
# benchmarks. Two ways to use it:
#
#   source scripts/services.sh          # scripts/test.sh: defines the functions below
#   services_start smartcampus-test     # exports DATABASE_URL, REDIS_URL, SERVICES_WORK, PG_VERSION
#   trap services_stop EXIT
#
#   scripts/services.sh start [prefix]  # bench/*.py: also creates the database DATABASE_URL names and
#   scripts/services.sh stop DIR        #   prints KEY=value lines (DATABASE_URL, REDIS_URL, SERVICES_WORK,
#                                       #   …); `stop` takes the SERVICES_WORK it printed
#   scripts/services.sh pg-stop         # fault tests: stop / start again the PostgreSQL server of the
#   scripts/services.sh pg-start        #   cluster SERVICES_WORK and PG_PORT (from the environment) name
#
# The cluster runs with fsync off (throwaway data) and belongs to the postgres user when run as root,
# because initdb and postgres refuse to run as root.

BIN=${BIN:-.venv/bin}

services_find_pg_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

services_free_port() {
  "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets PG_BIN and REDIS_SERVER; returns non-zero when either is missing.
services_available() {
  PG_BIN=$(services_find_pg_bin || true)
  REDIS_SERVER=$(command -v redis-server || true)
  [ -n "$PG_BIN" ] && [ -n "$REDIS_SERVER" ]
}

services_stop() {
  set +e
  local work=${1:-${SERVICES_WORK:-}}
  [ -n "$work" ] || return 0
  if [ -f "$work/pgdata/postmaster.pid" ]; then
    local as_pg=""
    [ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
    $as_pg "${PG_BIN:-$(services_find_pg_bin)}/pg_ctl" -D "$work/pgdata" -m immediate stop >/dev/null 2>&1
  fi
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" >/dev/null 2>&1
  rm -rf "$work"
}

# The cluster's server alone, on the port and directory of services_start (SERVICES_WORK, PG_PORT):
# fault tests stop PostgreSQL and start it again (`scripts/services.sh pg-stop` / `pg-start`).
services_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_pg_start() {
  PG_BIN=${PG_BIN:-$(services_find_pg_bin)}
  services_pg_as "$PG_BIN/pg_ctl" -D "$SERVICES_WORK/pgdata" -l "$SERVICES_WORK/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SERVICES_WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${SERVICES_PG_OPTIONS:-}" \
    start >/dev/null || { cat "$SERVICES_WORK/postgres.log"; exit 1; }
}

services_pg_stop() {
  PG_BIN=${PG_BIN:-$(services_find_pg_bin)}
  services_pg_as "$PG_BIN/pg_ctl" -D "$SERVICES_WORK/pgdata" -m fast -w -t 60 stop >/dev/null
}

# services_start [prefix]: start both servers; exports DATABASE_URL, REDIS_URL, SERVICES_WORK,
# PG_PORT, REDIS_PORT, PG_VERSION. Exits the calling shell with the server's log on failure.
services_start() {
  local prefix=${1:-smartcampus-services}
  services_available || { echo "PostgreSQL (initdb/pg_ctl) or redis-server not installed" >&2; return 1; }
  SERVICES_WORK=$(mktemp -d "/tmp/$prefix.XXXXXX")
  local as_pg=""
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$SERVICES_WORK"
    chmod 755 "$SERVICES_WORK"
    as_pg="runuser -u postgres --"
  fi
  PG_PORT=$(services_free_port)
  REDIS_PORT=$(services_free_port)
  $as_pg "$PG_BIN/initdb" -D "$SERVICES_WORK/pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$SERVICES_WORK/initdb.log" 2>&1 || { cat "$SERVICES_WORK/initdb.log"; exit 1; }
  services_pg_start
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$SERVICES_WORK" >"$SERVICES_WORK/redis.log" 2>&1 &
  echo $! >"$SERVICES_WORK/redis.pid"
  for _ in $(seq 50); do
    "$BIN/python" -c "import redis,sys; redis.Redis(port=$REDIS_PORT).ping()" 2>/dev/null && break
    sleep 0.1
  done
  PG_VERSION=$("$PG_BIN/postgres" --version | awk '{print $3}')
  export SERVICES_WORK PG_PORT REDIS_PORT PG_VERSION
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/smartcampus"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  case "${1:-}" in
    start)
      services_start "${2:-smartcampus-services}" >&2
      # the suite creates its own test database; everything else wants the one DATABASE_URL names
      "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres smartcampus
      for name in DATABASE_URL REDIS_URL SERVICES_WORK PG_PORT REDIS_PORT PG_VERSION; do
        echo "$name=${!name}"
      done
      ;;
    stop) services_stop "${2:?usage: scripts/services.sh stop DIR}" ;;
    pg-stop) : "${SERVICES_WORK:?}" && services_pg_stop ;;
    pg-start) : "${SERVICES_WORK:?}" "${PG_PORT:?}" && services_pg_start ;;
    *) echo "usage: scripts/services.sh start [prefix] | stop DIR | pg-stop | pg-start" >&2; exit 2 ;;
  esac
fi

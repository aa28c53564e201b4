#!/usr/bin/env bash
# Runs the test suite. If PostgreSQL (initdb/pg_ctl) and redis-server are installed, starts a
# throwaway cluster and a Redis on free loopback ports in a temp directory, runs the suite against
# them (the real-services tests included) and tears them down. Otherwise runs on SQLite and says
# loudly that the real-services tests did not run. With CI=true, missing services are an error.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

find_pg_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}
PG_BIN=$(find_pg_bin || true)
REDIS_SERVER=$(command -v redis-server || true)

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cleanup() {
  set +e
  if [ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    $AS_PG "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1
  fi
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" >/dev/null 2>&1
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
}

if [ -n "$PG_BIN" ] && [ -n "$REDIS_SERVER" ]; then
  WORK=$(mktemp -d /tmp/smartcampus-test.XXXXXX)
  trap cleanup EXIT
  AS_PG=""
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$WORK"
    chmod 755 "$WORK"
    AS_PG="runuser -u postgres --"
  fi
  PGDATA_DIR="$WORK/pgdata"
  PG_PORT=$(free_port)
  REDIS_PORT=$(free_port)
  $AS_PG "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log"; exit 1; }
  $AS_PG "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$WORK/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$WORK/postgres.log"; exit 1; }
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 50); do
    "$BIN/python" -c "import redis,sys; redis.Redis(port=$REDIS_PORT).ping()" 2>/dev/null && break
    sleep 0.1
  done
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/smartcampus"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export SMARTCAMPUS_REAL_SERVICES=1
  echo "== 真实服务: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') 于 127.0.0.1:$PG_PORT, Redis 于 127.0.0.1:$REDIS_PORT"
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true 但未找到 PostgreSQL (initdb/pg_ctl) 或 redis-server：真实服务测试无法运行。请先安装 postgresql 与 redis-server。" >&2
  exit 1
else
  echo "!! 未找到 PostgreSQL 或 redis-server：测试将在 SQLite 上运行，真实服务测试（PostgreSQL/Redis/Celery worker）不会运行。"
  echo "!! Install postgresql and redis-server to run the whole suite on real services."
fi

export DJANGO_SETTINGS_MODULE=smartcampus.settings.test
mkdir -p test-artifacts
set +e
"$BIN/pytest" "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"

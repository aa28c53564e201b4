#!/usr/bin/env bash
# Runs the test suite. If PostgreSQL (initdb/pg_ctl) and redis-server are installed, starts a
# throwaway cluster and a Redis on free loopback ports in a temp directory, runs the suite against
# them (the real-services tests included) and tears them down. Otherwise runs on SQLite and says
# loudly that the real-services tests did not run. With CI=true, missing services are an error.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# shellcheck source=scripts/services.sh
source scripts/services.sh

if services_available; then
  trap services_stop EXIT
  services_start smartcampus-test
  export SMARTCAMPUS_REAL_SERVICES=1
  echo "== 真实服务: PostgreSQL $PG_VERSION 于 127.0.0.1:$PG_PORT, Redis 于 127.0.0.1:$REDIS_PORT"
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

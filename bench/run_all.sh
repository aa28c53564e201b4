#!/usr/bin/env bash
# Runs every benchmark one after the other (never in parallel: they would measure each other), each
# with its own throwaway PostgreSQL/Redis unless DATABASE_URL is set, and leaves JSON in var/bench/.
#   bench/run_all.sh [--schools N]      (default 2000; the workbook also measures 500 and 1,000)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${BENCH_OUT:-var/bench}
SCHOOLS=2000
[ "${1:-}" = "--schools" ] && SCHOOLS=$2
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "bench/http.py needs wrk: apt-get install wrk" >&2; exit 1; }
"$PY" -m bench.workbook --schools "$SCHOOLS" --repeat 3 --json "$OUT/workbook.json"
"$PY" -m bench.dashboard --schools "$SCHOOLS" --json "$OUT/dashboard.json"
"$PY" -m bench.pdf --schools "$SCHOOLS" --json "$OUT/pdf.json"
"$PY" -m bench.http --schools "$SCHOOLS" --json "$OUT/http.json"

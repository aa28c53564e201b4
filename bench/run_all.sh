#!/usr/bin/env bash
# Runs every benchmark one after the other (never in parallel: they would measure each other), each
# with its own throwaway PostgreSQL/Redis unless DATABASE_URL is set, and leaves JSON in var/bench/.
#   bench/run_all.sh [--schools N] [--scale]
#   (default 2000; the workbook also measures 500 and 1,000; --scale adds bench.scale at 2,000, 5,000
#   and 10,000 schools, which takes long)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${BENCH_OUT:-var/bench}
SCHOOLS=2000
SCALE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --schools) SCHOOLS=$2; shift 2 ;;
    --scale) SCALE=1; shift ;;
    *) echo "usage: bench/run_all.sh [--schools N] [--scale]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "bench/http.py needs wrk: apt-get install wrk" >&2; exit 1; }
"$PY" -m bench.workbook --schools "$SCHOOLS" --repeat 3 --json "$OUT/workbook.json"
"$PY" -m bench.dashboard --schools "$SCHOOLS" --json "$OUT/dashboard.json"
"$PY" -m bench.pdf --schools "$SCHOOLS" --json "$OUT/pdf.json"
"$PY" -m bench.http --schools "$SCHOOLS" --json "$OUT/http.json"
if [ "$SCALE" = 1 ]; then
  # the district ZIP on Beijing's districts (125–625 schools); Zhejiang's districts are its cities
  # (180–900 schools), so its run skips the ZIP
  "$PY" -m bench.scale --sizes 2000,5000,10000 --campaign beijing-k12 --json "$OUT/scale-beijing.json"
  "$PY" -m bench.scale --sizes 2000,5000,10000 --campaign zhejiang-k12 --zip-schools 0 \
    --json "$OUT/scale-zhejiang.json"
fi

#!/usr/bin/env bash
# Back up the platform: the PostgreSQL database (pg_dump custom format) and the storage directory
# (evidence files and report files under MEDIA_ROOT). See docs/backup.md.
#
#   DATABASE_URL=postgres://user:pass@host:5432/smartcampus MEDIA_ROOT=/srv/media scripts/backup.sh /backups/2026-06-30
#
# Writes <dir>/database.dump, <dir>/media.tar and <dir>/SHA256SUMS. The database is dumped first,
# then the files: a file uploaded in between is on disk without a row (harmless, an orphan), never
# a row without its file.
set -euo pipefail
OUT=${1:?usage: scripts/backup.sh <backup directory>}
: "${DATABASE_URL:?set DATABASE_URL (postgres://…)}"
: "${MEDIA_ROOT:?set MEDIA_ROOT (the storage directory)}"

pg_tool() {
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done
  command -v "$1" || { echo "$1 not found (install postgresql-client)" >&2; exit 1; }
}
PG_DUMP=$(pg_tool pg_dump)

mkdir -p "$OUT"
"$PG_DUMP" --format=custom --no-owner --no-privileges --file="$OUT/database.dump" "$DATABASE_URL"
tar -C "$MEDIA_ROOT" -cf "$OUT/media.tar" .
( cd "$OUT" && sha256sum database.dump media.tar > SHA256SUMS )
echo "备份完成：$OUT（database.dump、media.tar、SHA256SUMS）"

#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty storage directory.
# Order: checksums, database (pg_restore), then files. See docs/backup.md.
#
#   DATABASE_URL=postgres://user:pass@host:5432/smartcampus_restored MEDIA_ROOT=/srv/media-restored \
#     scripts/restore.sh /backups/2026-06-30
set -euo pipefail
IN=${1:?usage: scripts/restore.sh <backup directory>}
: "${DATABASE_URL:?set DATABASE_URL to the empty target database}"
: "${MEDIA_ROOT:?set MEDIA_ROOT to the empty target storage directory}"

pg_tool() {
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done
  command -v "$1" || { echo "$1 not found (install postgresql-client)" >&2; exit 1; }
}
PG_RESTORE=$(pg_tool pg_restore)

( cd "$IN" && sha256sum --check --quiet SHA256SUMS ) || { echo "备份文件校验失败：$IN" >&2; exit 1; }
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
  echo "存储目录不是空的：$MEDIA_ROOT（恢复只写入空目录）" >&2
  exit 1
fi
"$PG_RESTORE" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$IN/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xf "$IN/media.tar"
echo "恢复完成。请运行：python manage.py migrate（确认无待执行迁移）并用 manage.py check 检查。"

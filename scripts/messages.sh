#!/usr/bin/env bash
# The English catalog (locale/en): `scripts/messages.sh` refreshes it from the code (makemessages);
# `scripts/messages.sh --check` also fails, listing them, when any entry is untranslated or fuzzy;
# `scripts/messages.sh --compile` only compiles it (.mo files are built, never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
PO=locale/en/LC_MESSAGES/django.po

compile() {
  if command -v msgfmt >/dev/null; then
    msgfmt --check-format -o "${PO%.po}.mo" "$PO"
  else
    echo "gettext (msgfmt) is not installed: the interface stays Chinese only." >&2
  fi
}

if [ "${1:-}" = "--compile" ]; then compile; exit 0; fi

DJANGO_SETTINGS_MODULE=smartcampus.settings.dev .venv/bin/python manage.py makemessages \
  -l en --no-obsolete --no-wrap \
  -i '.venv/*' -i 'tests/*' -i 'bench/*' -i 'var/*' -i 'test-artifacts/*' -i 'docs/*' \
  -i 'static/vendor/*' -i 'node_modules/*' -i '*.egg-info/*' >/dev/null
compile

if [ "${1:-}" = "--check" ]; then
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$PO" 2>&1)
  echo "locale/en: $stats"
  if echo "$stats" | grep -Eq 'fuzzy|untranslated'; then
    echo "Entries without an English translation (translate them in $PO):" >&2
    msgattrib --untranslated --no-wrap "$PO" >&2 || true
    msgattrib --only-fuzzy --no-wrap "$PO" >&2 || true
    exit 1
  fi
fi

#!/usr/bin/env bash
# The English catalog (locale/en): `scripts/messages.sh` refreshes it from the code (makemessages);
# `scripts/messages.sh --check` also fails, listing them, when any entry is untranslated or fuzzy;
# `scripts/messages.sh --compile` only compiles it (.mo files are built, never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
DOMAINS=(locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/djangojs.po)

compile() {
  if command -v msgfmt >/dev/null; then
    for po in "${DOMAINS[@]}"; do msgfmt --check-format -o "${po%.po}.mo" "$po"; done
  else
    echo "gettext (msgfmt) is not installed: the interface stays Chinese only." >&2
  fi
}

if [ "${1:-}" = "--compile" ]; then compile; exit 0; fi

IGNORE=(-i '.venv/*' -i 'tests/*' -i 'bench/*' -i 'var/*' -i 'test-artifacts/*' -i 'docs/*'
  -i 'static/vendor/*' -i 'staticfiles/*' -i 'node_modules/*' -i '*.egg-info/*')
for domain in django djangojs; do
  DJANGO_SETTINGS_MODULE=smartcampus.settings.dev .venv/bin/python manage.py makemessages \
    -l en -d "$domain" --no-obsolete --no-wrap "${IGNORE[@]}" >/dev/null
done
compile

if [ "${1:-}" = "--check" ]; then
  missing=0
  for po in "${DOMAINS[@]}"; do
    stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
    echo "$po: $stats"
    if echo "$stats" | grep -Eq 'fuzzy|untranslated'; then
      echo "Entries without an English translation (translate them in $po):" >&2
      msgattrib --untranslated --no-wrap "$po" >&2 || true
      msgattrib --only-fuzzy --no-wrap "$po" >&2 || true
      missing=1
    fi
  done
  exit $missing
fi

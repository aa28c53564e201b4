#!/usr/bin/env bash
# Refresh the front-end libraries vendored into static/vendor/ from the npm registry.
# The files are committed: nothing is fetched at run time and no CDN is used.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9 HTMX=2.0.11 ICONS=1.13.2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" "bootstrap-icons@$ICONS" >/dev/null )
for f in "$tmp"/*.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
V=static/vendor
mkdir -p $V/bootstrap $V/htmx $V/bootstrap-icons/fonts
cp "$tmp"/bootstrap-$BOOTSTRAP/package/dist/css/bootstrap.min.css "$tmp"/bootstrap-$BOOTSTRAP/package/dist/js/bootstrap.bundle.min.js "$tmp"/bootstrap-$BOOTSTRAP/package/LICENSE $V/bootstrap/
cp "$tmp"/htmx.org-$HTMX/package/dist/htmx.min.js "$tmp"/htmx.org-$HTMX/package/LICENSE $V/htmx/
cp "$tmp"/bootstrap-icons-$ICONS/package/font/bootstrap-icons.min.css "$tmp"/bootstrap-icons-$ICONS/package/LICENSE $V/bootstrap-icons/
cp "$tmp"/bootstrap-icons-$ICONS/package/font/fonts/bootstrap-icons.woff{,2} $V/bootstrap-icons/fonts/
echo "vendored bootstrap $BOOTSTRAP, htmx $HTMX, bootstrap-icons $ICONS into $V"

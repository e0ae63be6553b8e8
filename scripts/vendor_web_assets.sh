#!/usr/bin/env bash
# Refresh the browser libraries the web app ships (no CDN: they are served from the package).
# Usage: scripts/vendor_web_assets.sh [cytoscape@X.Y.Z] [swagger-ui-dist@X.Y.Z] [axe-core@X.Y.Z]
# Needs npm (the npm registry); writes the files and prints their SHA-256 for VENDORED.md.
set -euo pipefail
cd "$(dirname "$0")/.."
CY=${1:-cytoscape@3.35.0}
SW=${2:-swagger-ui-dist@5.35.0}
AX=${3:-axe-core@4.14.1}
OUT=src/tradetrace/web/static/vendor
TESTS=tests/data/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in "$CY" "$SW" "$AX"; do
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
done
for tgz in "$tmp"/*.tgz; do
  d="$tmp/$(basename "$tgz" .tgz)"; mkdir -p "$d"; tar xzf "$tgz" -C "$d"
done
cy="$tmp/$(basename "$tmp"/cytoscape-*.tgz .tgz)/package"
sw="$tmp/$(basename "$tmp"/swagger-ui-dist-*.tgz .tgz)/package"
ax="$tmp/$(basename "$tmp"/axe-core-*.tgz .tgz)/package"
mkdir -p "$OUT" "$TESTS"
cp "$cy/dist/cytoscape.min.js" "$OUT/"; cp "$cy/LICENSE" "$OUT/cytoscape.LICENSE.txt"
cp "$sw/swagger-ui-bundle.js" "$sw/swagger-ui.css" "$OUT/"
cp "$sw/LICENSE" "$OUT/swagger-ui.LICENSE.txt"; cp "$sw/NOTICE" "$OUT/swagger-ui.NOTICE.txt"
cp "$sw/swagger-ui-bundle.js.LICENSE.txt" "$OUT/"
cp "$ax/axe.min.js" "$TESTS/"; cp "$ax/LICENSE" "$TESTS/axe-core.LICENSE.txt"
sha256sum "$OUT"/*.js "$OUT"/*.css "$TESTS"/axe.min.js

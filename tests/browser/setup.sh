#!/usr/bin/env bash
# Install the browser tests' pinned tools (playwright-core, axe-core) into
# a cache directory outside the sources:
#
#   tests/browser/setup.sh [CACHE_DIR]        (default: target/browser)
#
# Creates CACHE_DIR/node_modules (npm ci from package.json + package-lock.json;
# a second run with nothing changed returns at once). The browser itself is
# Debian's chromium (/usr/bin/chromium, or $CHROMIUM), which .ci/run installs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${1:-target/browser}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"

log() { echo "[tests/browser/setup.sh] $*" >&2; }

command -v node >/dev/null || { log "error: node not found"; exit 1; }
command -v npm >/dev/null || { log "error: npm not found"; exit 1; }
want="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ -d "$DEST/node_modules/playwright-core" ] && [ -d "$DEST/node_modules/axe-core" ] \
    && [ "$(cat "$DEST/node_modules/.wikiupload-stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
log "installing playwright-core and axe-core into $DEST/node_modules (npm ci)"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
(cd "$DEST" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" > "$DEST/node_modules/.wikiupload-stamp"

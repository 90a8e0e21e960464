#!/usr/bin/env bash
# Install the pinned MediaWiki client libraries used by tests/clients/*.
#
#   tests/clients/setup.sh [CACHE_DIR]        (default: target/clients)
#
# Creates (idempotently; a second run with nothing changed takes well under a second):
#   CACHE_DIR/venv/                 python venv with pywikibot + mwclient (requirements.txt)
#   CACHE_DIR/node_modules/         mwn + nodemw (package.json + package-lock.json, via npm ci)
#
# Then run the clients as:
#   CACHE_DIR/venv/bin/python tests/clients/pywikibot_client.py --api URL --user U --password P login
#   CACHE_DIR/venv/bin/python tests/clients/mwclient_client.py  ...
#   CLIENTS_NODE_MODULES=CACHE_DIR/node_modules node tests/clients/mwn_client.mjs ...
#   CLIENTS_NODE_MODULES=CACHE_DIR/node_modules node tests/clients/nodemw_client.js ...
#
# Needs python3 (>= 3.9) and node (>= 18) with npm. If python3's venv module is
# missing (Debian without python3-venv) and we run as root, installs python3-venv
# with apt-get. Environment: PYTHON (default python3), SKIP_PYTHON=1, SKIP_NODE=1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${1:-target/clients}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
PYTHON="${PYTHON:-python3}"

log() { echo "[tests/clients/setup.sh] $*" >&2; }

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

setup_python() {
    command -v "$PYTHON" >/dev/null || { log "error: $PYTHON not found"; return 1; }
    local pyver want
    pyver="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    want="$(hash_of "$HERE/requirements.txt")-py$pyver"
    if [ -x "$DEST/venv/bin/python" ] && [ -f "$DEST/venv/.wikiupload-stamp" ] \
        && [ "$(cat "$DEST/venv/.wikiupload-stamp")" = "$want" ] \
        && "$DEST/venv/bin/python" -c 'import mwclient' 2>/dev/null; then
        log "python clients already installed in $DEST/venv"
        return 0
    fi
    log "creating $DEST/venv with $PYTHON $pyver"
    rm -rf "$DEST/venv"
    if ! "$PYTHON" -m venv "$DEST/venv" >/dev/null 2>&1; then
        rm -rf "$DEST/venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            log "python venv module missing: apt-get install -y python3-venv"
            export DEBIAN_FRONTEND=noninteractive
            apt-get install -y -q python3-venv >/dev/null 2>&1 \
                || { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; }
            "$PYTHON" -m venv "$DEST/venv"
        else
            log "error: '$PYTHON -m venv' failed (install python3-venv)"
            return 1
        fi
    fi
    "$DEST/venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$HERE/requirements.txt"
    echo "$want" > "$DEST/venv/.wikiupload-stamp"
    log "installed: $("$DEST/venv/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null \
        | grep -iE '^(pywikibot|mwclient)==' | tr '\n' ' ')"
}

setup_node() {
    command -v node >/dev/null || { log "error: node not found"; return 1; }
    command -v npm >/dev/null || { log "error: npm not found"; return 1; }
    local want
    want="$(hash_of "$HERE/package.json" "$HERE/package-lock.json")-node$(node -p 'process.versions.node.split(".")[0]')"
    if [ -d "$DEST/node_modules/mwn" ] && [ -d "$DEST/node_modules/nodemw" ] \
        && [ -f "$DEST/node_modules/.wikiupload-stamp" ] \
        && [ "$(cat "$DEST/node_modules/.wikiupload-stamp")" = "$want" ]; then
        log "node clients already installed in $DEST/node_modules"
        return 0
    fi
    log "installing mwn + nodemw into $DEST/node_modules (npm ci)"
    cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
    (cd "$DEST" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$DEST/node_modules/.wikiupload-stamp"
    log "installed: mwn $(node -p "require('$DEST/node_modules/mwn/package.json').version"), nodemw $(node -p "require('$DEST/node_modules/nodemw/package.json').version")"
}

[ "${SKIP_PYTHON:-0}" = 1 ] || setup_python
[ "${SKIP_NODE:-0}" = 1 ] || setup_node
log "ready: PYTHON=$DEST/venv/bin/python CLIENTS_NODE_MODULES=$DEST/node_modules"

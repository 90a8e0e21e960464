#!/usr/bin/env bash
# Run every client script through every flow against one API and print a table.
#
#   tests/clients/run_all.sh API_URL [CACHE_DIR]
#     e.g. tests/clients/run_all.sh http://127.0.0.1:8080/api.php target/clients
#
# Flows: login as bot password and as main account, direct upload (small PNG),
# chunked upload (~3 MB PNG, 1 MiB chunks), upload from URL (PNG served by a
# throwaway python3 -m http.server on 127.0.0.1). Accounts (defaults = reference wiki):
#   BOT_USER=Uploader@bot BOT_PASS=uploaderbotpassword0123456789abc
#   MAIN_USER=Uploader MAIN_PASS=uploaderpass12345
# Uploads use the bot password. ONLY="pywikibot mwn" limits the clients.
# Exit status is non-zero if any flow failed. Needs setup.sh to have run first.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
API="${1:?usage: run_all.sh API_URL [CACHE_DIR]}"
CACHE="$(cd "${2:-target/clients}" && pwd)"
BOT_USER="${BOT_USER:-Uploader@bot}"
BOT_PASS="${BOT_PASS:-uploaderbotpassword0123456789abc}"
MAIN_USER="${MAIN_USER:-Uploader}"
MAIN_PASS="${MAIN_PASS:-uploaderpass12345}"
ONLY="${ONLY:-pywikibot mwclient mwn nodemw}"
PY="$CACHE/venv/bin/python"
export CLIENTS_NODE_MODULES="$CACHE/node_modules"

WORK="$(mktemp -d /tmp/wikiupload-clients.XXXXXX)"
HTTP_PID=""
cleanup() { [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

mkpng() { # mkpng OUT WIDTH HEIGHT: random-noise RGB PNG, unique bytes every call
    python3 - "$@" <<'EOF'
import os, struct, sys, zlib
out, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = b"".join(b"\x00" + os.urandom(3 * w) for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(out, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
EOF
}

# file server for upload-url
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/www"
(cd "$WORK/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
HTTP_PID=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break; sleep 0.1; done

cmd_for() {
    case "$1" in
        pywikibot) echo "$PY $HERE/pywikibot_client.py" ;;
        mwclient) echo "$PY $HERE/mwclient_client.py" ;;
        mwn) echo "node $HERE/mwn_client.mjs" ;;
        nodemw) echo "node $HERE/nodemw_client.js" ;;
    esac
}

TAG="$(date +%s)-$$"
FAIL=0
printf '%-10s %-14s %-6s %s\n' client flow result detail
for client in $ONLY; do
    C="$(cmd_for "$client")"
    mkpng "$WORK/$client-small.png" 40 30
    mkpng "$WORK/$client-big.png" 1000 1000
    mkpng "$WORK/www/$client-url.png" 40 30
    for flow in login-bot login-main upload chunked upload-url; do
        case "$flow" in
            login-bot) args=(--api "$API" --user "$BOT_USER" --password "$BOT_PASS" login) ;;
            login-main) args=(--api "$API" --user "$MAIN_USER" --password "$MAIN_PASS" login) ;;
            upload) args=(--api "$API" --user "$BOT_USER" --password "$BOT_PASS" upload
                          --file "$WORK/$client-small.png" --filename "Clienttest $client direct $TAG.png") ;;
            chunked) args=(--api "$API" --user "$BOT_USER" --password "$BOT_PASS" upload
                           --file "$WORK/$client-big.png" --filename "Clienttest $client chunked $TAG.png"
                           --chunk-size 1048576) ;;
            upload-url) args=(--api "$API" --user "$BOT_USER" --password "$BOT_PASS" upload-url
                              --url "http://127.0.0.1:$PORT/$client-url.png" --filename "Clienttest $client url $TAG.png") ;;
        esac
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        out="$(timeout 300 $C "${args[@]}" 2>"$WORK/stderr")"
        rc=$?
        secs=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
        if [ $rc = 0 ] && echo "$out" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if d.get("ok") else 1)' 2>/dev/null; then
            detail="$(echo "$out" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d.get("user"), len(d["rights"]), "rights") if "rights" in d else print(d["size"], "bytes sha1", d["sha1"][:10], "downloaded ok" if d["downloaded_sha1"] == d["sha1"] else "DOWNLOAD MISMATCH")')"
            printf '%-10s %-14s %-6s %s (%ss)\n' "$client" "$flow" ok "$detail" "$secs"
        else
            FAIL=1
            printf '%-10s %-14s %-6s rc=%s %s\n' "$client" "$flow" FAIL "$rc" "$(tail -c 600 "$WORK/stderr" | tr '\n' ' ')"
        fi
    done
done
exit $FAIL

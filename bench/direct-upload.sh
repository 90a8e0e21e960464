#!/usr/bin/env bash
# Direct upload benchmark: one large PNG through action=upload (multipart),
# timed end to end, with the server's peak memory (GNU time), beside the
# disk's own write speed for the same number of bytes (dd conv=fsync).
#
#   bench/direct-upload.sh [SIZE_MIB]        (default 1024)
#
# Needs: cargo, python3, curl, GNU time (/usr/bin/time). Uses a fresh data
# directory under target/bench and port 18181 on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB="${1:-1024}"
PORT=18181
API="http://127.0.0.1:$PORT/api.php"
WORK="target/bench/direct"
rm -rf "$WORK" && mkdir -p "$WORK"

cargo build --release --quiet
python3 bench/make_png.py "$WORK/big.png" "$SIZE_MIB"
BYTES=$(stat -c %s "$WORK/big.png")

# The disk's own speed for the same amount of data.
DD_START=$(date +%s.%N)
dd if=/dev/zero of="$WORK/dd.bin" bs=8M count=$(( (BYTES + 8388607) / 8388608 )) conv=fsync status=none
DD_END=$(date +%s.%N)
rm -f "$WORK/dd.bin"

WIKIUPLOAD_LISTEN="127.0.0.1:$PORT" WIKIUPLOAD_DATA_DIR="$WORK/data" \
WIKIUPLOAD_ADMIN_PASSWORD=benchpass123456 WIKIUPLOAD_MAX_UPLOAD_SIZE=$(( BYTES * 2 )) \
    /usr/bin/time -v -o "$WORK/time.txt" target/release/wikiupload serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'pkill -P $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$API?action=query&format=json" >/dev/null && break; sleep 0.1; done

JAR="$WORK/cookies"
LOGIN_TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$API?action=query&meta=tokens&type=login&format=json" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["query"]["tokens"]["logintoken"])')
curl -fs -c "$JAR" -b "$JAR" "$API" --data-urlencode action=login --data-urlencode lgname=Admin \
    --data-urlencode lgpassword=benchpass123456 --data-urlencode "lgtoken=$LOGIN_TOKEN" -d format=json >/dev/null
CSRF=$(curl -fs -c "$JAR" -b "$JAR" "$API?action=query&meta=tokens&format=json" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["query"]["tokens"]["csrftoken"])')

UP_START=$(date +%s.%N)
RESULT=$(curl -fs -c "$JAR" -b "$JAR" "$API" -F action=upload -F format=json -F "token=$CSRF" \
    -F filename=Bench.png -F "file=@$WORK/big.png;type=image/png")
UP_END=$(date +%s.%N)
echo "$RESULT" | python3 -c 'import json,sys; r=json.load(sys.stdin)["upload"]; assert r["result"]=="Success", r'

# GNU time ignores SIGINT while it waits: signal the server itself.
pkill -INT -P "$SERVER" || true
wait "$SERVER" || true
PEAK_KIB=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.txt")

python3 - "$BYTES" "$DD_START" "$DD_END" "$UP_START" "$UP_END" "$PEAK_KIB" <<'PY'
import sys
size, dd0, dd1, up0, up1, peak = sys.argv[1:]
mib = int(size) / 2**20
dd, up = float(dd1) - float(dd0), float(up1) - float(up0)
print(f"{'measure':<34}{'value':>14}")
print(f"{'file size':<34}{mib:>10.0f} MiB")
print(f"{'disk write, dd conv=fsync':<34}{mib / dd:>10.1f} MiB/s")
print(f"{'direct upload (login excluded)':<34}{mib / up:>10.1f} MiB/s")
print(f"{'upload time':<34}{up:>12.2f} s")
print(f"{'server peak RSS':<34}{int(peak) / 1024:>10.1f} MiB")
PY

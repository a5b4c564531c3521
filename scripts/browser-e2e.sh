#!/usr/bin/env bash
# The browser tracker and the dashboard tested in a real browser: headless Chromium (Debian package `chromium`)
# driven over the DevTools protocol by scripts/browser/tracker_e2e.py (websocket-client from PyPI,
# in a throwaway virtual environment). A live `attune serve` on demo data serves the script and
# the API; the test pages come from another origin, allowed by --cors-origin.
#
#   scripts/browser-e2e.sh [BINARY] [ARTIFACT_DIR]
#
# Exit status: 0 passed, 1 a failed check (or the server did not start), 3 Chromium or
# websocket-client is not available, so that CI can tell a failure from a missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/attune}"
artifacts="${2:-$(mktemp -d)}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$chromium" ] && [ -x "$chromium" ] || { echo "no chromium binary"; exit 3; }
venv=.venv-browser
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import websocket" 2>/dev/null; then
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "websocket-client==1.9.2"; }; then
        echo "could not install websocket-client"
        exit 3
    fi
fi
work="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
page_port="$(free_port)"
admin="atn_admin_browser$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
write="atn_write_browser$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# A trained model, so that the recommendation widget has something to show.
"$binary" demo --data-dir "$work/data" > "$work/demo.log" 2>&1
read_key="$(ATTUNE_ADMIN_KEY="$admin" "$binary" keys create --data-dir "$work/data" --workspace default --scope read --label browser-e2e | sed -n 2p)"
ATTUNE_ADMIN_KEY="$admin" ATTUNE_WRITE_KEY="$write" \
    "$binary" serve --data-dir "$work/data" --port 0 --retrain-seconds 0 --rate-limit 0 --log-level error \
    --cors-origin "http://127.0.0.1:$page_port" > "$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
    port="$(sed -nE 's#.*listening on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$work/serve.log" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.2
done
[ -n "$port" ] || { echo "the server did not start"; cat "$work/serve.log"; exit 1; }
status=0
CHROMIUM="$chromium" timeout 170 "$venv/bin/python" scripts/browser/tracker_e2e.py \
    --api "http://127.0.0.1:$port" --page-port "$page_port" \
    --admin "$admin" --write "$write" --read "$read_key" --artifacts "$artifacts" || status=1
# The dashboard pages on the same demo data, signed in through the form.
CHROMIUM="$chromium" timeout 120 "$venv/bin/python" scripts/browser/dashboard_check.py \
    --api "http://127.0.0.1:$port" --admin "$admin" --write "$write" --artifacts "$artifacts" || status=1
exit $status

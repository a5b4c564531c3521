#!/usr/bin/env bash
# The API contract, checked by property-based testing: schemathesis (PyPI, in a throwaway
# virtual environment) generates requests from /openapi.json against a live server on demo data,
# with the admin and the write key, and fails on any 5xx answer or any response that breaks the
# document. Bounded in time; a fixed seed makes runs repeatable. Rate limiting is off so that the
# requests reach the routes (429 and its body are documented and covered by the server tests).
#
#   scripts/api-contract-check.sh [BINARY] [SECONDS_PER_KEY]
#
# Exit status: 0 clean, 1 a finding (or the server did not start), 3 schemathesis could not be
# installed (no package registry), so that CI can tell a finding from a missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/attune}"
seconds="${2:-60}"
venv=.venv-contract
if [ ! -x "$venv/bin/schemathesis" ]; then
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "schemathesis==4.32.5"; }; then
        echo "could not install schemathesis"
        exit 3
    fi
fi
work="$(mktemp -d)"
admin="atn_admin_contract$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
write="atn_write_contract$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$binary" demo --data-dir "$work/data" > "$work/demo.log"
ATTUNE_ADMIN_KEY="$admin" ATTUNE_WRITE_KEY="$write" \
    "$binary" serve --data-dir "$work/data" --port 0 --retrain-seconds 0 --rate-limit 0 --log-level error > "$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
port=""
for _ in $(seq 100); do
    port="$(sed -nE 's#.*listening on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$work/serve.log" | head -n 1)"
    [ -n "$port" ] && break
    sleep 0.2
done
[ -n "$port" ] || { echo "the server did not start"; cat "$work/serve.log"; exit 1; }
status=0
for key in "$admin" "$write"; do
    "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $key" \
        --checks not_a_server_error,response_schema_conformance --exclude-path /v1/stream \
        --max-time "$seconds" --seed 11 --workers 1 --no-color --request-timeout 20 || status=1
done
exit "$status"

#!/usr/bin/env bash
# Times every page of the operators' console on a store holding DOCUMENTS documents (default
# 100000): starts the release build's ferry serve with the demo configuration on a fresh SQLite
# store, fills it through the API (Benchmarks/console.py), and prints each page's median and
# slowest time of ROUNDS (default 20).
#
# usage: Benchmarks/console.sh [DOCUMENTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
documents="${1:-100000}"
rounds="${2:-20}"
[ -x .build/release/ferry ] || swift build -c release --product ferry
work=$(mktemp -d)
trap 'kill -TERM $gateway 2>/dev/null; wait $gateway 2>/dev/null || true; rm -rf "$work"' EXIT
.build/release/ferry keys generate --directory "$work/keys" > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The drops go to the temporary data directory; the limits let the filler through.
sed -e "s|requests_per_second: 100, burst: 200|requests_per_second: 100000, burst: 100000|" \
    -e "s|schemas: ../../schemas|schemas: $PWD/schemas|" -e "s|mappings: ../../mappings|mappings: $PWD/mappings|" \
    examples/gateway/ferry.yaml > "$work/ferry.yaml"
LOG_LEVEL=warning .build/release/ferry serve --config "$work/ferry.yaml" --data "$work" --listen "127.0.0.1:$port" \
    2> "$work/serve.log" &
gateway=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
echo "Console pages with $documents documents (release build, SQLite, $(nproc) cores, $(date -u +%Y-%m-%d)):"
python3 Benchmarks/console.py "http://127.0.0.1:$port" "$documents" "$rounds"

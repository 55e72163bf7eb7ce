#!/usr/bin/env bash
# The gateway's load figures on this machine, in one run (release build, loopback, SQLite with
# synchronous commits): documents of 100 format-A records from the HR sender.
#  1. most records/s accepted durably (8 connections, 20 s) with p50/p99 latency;
#  2. p50/p99 at 1,000 records/s, half the goal's 2,000 (open loop, 20 s);
#  3. delivered records/s: the queue drained to the directory drops (signed, fsynced).
# usage: Benchmarks/gateway.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
swift build -c release --product ferry > /dev/null
ferry=".build/release/ferry"
work="$(mktemp -d)"
trap 'kill -TERM $gateway 2>/dev/null; wait $gateway 2>/dev/null; rm -rf "$work"' EXIT
sed -e "s|schemas: ../../schemas|schemas: $PWD/schemas|" -e "s|mappings: ../../mappings|mappings: $PWD/mappings|" \
    -e "s|limits: { max_body: 16MiB, requests_per_second: 100, burst: 200 }|limits: { max_body: 16MiB, requests_per_second: 10000, burst: 10000 }|" \
    examples/gateway/ferry.yaml > "$work/ferry.yaml"
"$ferry" keys generate --directory "$work/data/keys" > /dev/null
port=$((20000 + RANDOM % 20000))
LOG_LEVEL=warning "$ferry" serve --config "$work/ferry.yaml" --data "$work/data" --listen "127.0.0.1:$port" 2> "$work/serve.log" &
gateway=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"
echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
max=$(python3 Benchmarks/gateway-load.py "$url" max "$seconds" 8)
echo "accepted, most:   $max"
drain=$(python3 Benchmarks/gateway-load.py "$url" drain)
echo "delivered:        $drain"
rate=$(python3 Benchmarks/gateway-load.py "$url" rate "$seconds" 1000)
echo "at 1000 records/s: $rate"
python3 - "$max" "$rate" "$drain" <<'PY'
import json, sys
most, rate, drain = (json.loads(a) for a in sys.argv[1:])
print()
print("| figure | Ferry | goal | ratio |")
print("| --- | --- | --- | --- |")
print(f"| accepted records/s (durable, 8 connections) | {most['accepted_records_per_s']} | 2000 | {most['accepted_records_per_s'] / 2000:.2f}× |")
print(f"| p99 at {rate['records_per_s']:.0f} records/s | {rate['p99_ms']} ms (p50 {rate['p50_ms']} ms) | < 50 ms | {50 / rate['p99_ms']:.2f}× |")
print(f"| delivered records/s (drops, signed, fsynced) | {drain['delivered_records_per_s']} | — | — |")
PY

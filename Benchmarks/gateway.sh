#!/usr/bin/env bash
# The gateway's load figures on this machine, in one run (release build, loopback, synchronous
# commits): documents of 100 format-A records from the HR sender, spread round-robin over the
# instances as a load balancer would.
#  1. SQLite, one instance: most records/s accepted durably (8 connections) with p50/p99,
#     delivered records/s (queue drained to signed, fsynced drops), p50/p99 at 1,000 records/s;
#  2. PostgreSQL (a throw-away server from scripts/postgres.sh, a fresh database each time) with
#     one, two and three instances: the same accepted records/s and p99, and p99 at 1,000 records/s.
# On one machine the instances share its cores with PostgreSQL and the load client: the
# PostgreSQL rows show the cost of coordination, not scale-out (docs/deployment.md).
# usage: Benchmarks/gateway.sh [SECONDS]   (FERRY=path/to/ferry measures another build, e.g. an
# earlier commit's, built with --scratch-path .build-NAME, to compare builds alternated;
# DELIVERY_CONCURRENCY=N sets delivery.concurrency; STORES=sqlite measures the SQLite row alone)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
if [ -z "${FERRY:-}" ]; then swift build -c release --product ferry > /dev/null; fi
ferry="${FERRY:-$PWD/.build/release/ferry}"
work="$(mktemp -d)"
pids=()
stop_instances() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
export FERRY_PG_PORT="${FERRY_PG_PORT:-54331}"
trap 'stop_instances; scripts/postgres.sh stop; rm -rf "$work"' EXIT
sed -e "s|schemas: ../../schemas|schemas: $PWD/schemas|" -e "s|mappings: ../../mappings|mappings: $PWD/mappings|" \
    -e "s|limits: { max_body: 16MiB, requests_per_second: 100, burst: 200 }|limits: { max_body: 16MiB, requests_per_second: 10000, burst: 10000 }|" \
    -e "s|signing_key: keys|signing_key: $work/keys|" -e "s|deliver: { directory: deliveries/|deliver: { directory: $work/deliveries/|" \
    -e "s|delivery: { attempts: 8,|delivery: { ${DELIVERY_CONCURRENCY:+concurrency: $DELIVERY_CONCURRENCY, }attempts: 8,|" \
    examples/gateway/ferry.yaml > "$work/sqlite.yaml"
"$ferry" keys generate --directory "$work/keys" > /dev/null

# start_instances CONFIG COUNT: starts COUNT gateways on the configuration, sets $urls.
start_instances() {
    local config=$1 count=$2 list=()
    for index in $(seq "$count"); do
        local port=$((20000 + RANDOM % 20000)) data="$work/data-$RANDOM"
        LOG_LEVEL=warning "$ferry" serve --config "$config" --data "$data" --listen "127.0.0.1:$port" 2>> "$work/serve.log" &
        pids+=($!)
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
        list+=("http://127.0.0.1:$port")
    done
    urls=$(IFS=,; echo "${list[*]}")
}

echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
start_instances "$work/sqlite.yaml" 1
sqlite_max=$(python3 Benchmarks/gateway-load.py "$urls" max "$seconds" 8)
echo "SQLite, accepted, most:      $sqlite_max"
sqlite_drain=$(python3 Benchmarks/gateway-load.py "$urls" drain)
echo "SQLite, delivered:           $sqlite_drain"
sqlite_rate=$(python3 Benchmarks/gateway-load.py "$urls" rate "$seconds" 1000)
echo "SQLite, at 1000 records/s:   $sqlite_rate"
stop_instances

postgres_results=()
counts="1 2 3"
if [ "${STORES:-all}" = sqlite ]; then counts=""; else server=$(scripts/postgres.sh start); fi
for count in $counts; do
    database="bench_${count}_$RANDOM"
    psql "$server" -q -c "CREATE DATABASE $database" > /dev/null
    sed -e "s|store: sqlite|store: \"${server%/*}/$database?sslmode=disable\"|" "$work/sqlite.yaml" > "$work/postgres.yaml"
    start_instances "$work/postgres.yaml" "$count"
    max=$(python3 Benchmarks/gateway-load.py "$urls" max "$seconds" 8)
    echo "PostgreSQL, $count instance(s), accepted, most:    $max"
    rate=$(python3 Benchmarks/gateway-load.py "$urls" rate "$seconds" 1000)
    echo "PostgreSQL, $count instance(s), at 1000 records/s: $rate"
    python3 Benchmarks/gateway-load.py "$urls" drain > /dev/null
    stop_instances
    postgres_results+=("$max" "$rate")
done

python3 - "$sqlite_max" "$sqlite_rate" "$sqlite_drain" "${postgres_results[@]}" <<'PY'
import json, sys
most, rate, drain, *postgres = (json.loads(a) for a in sys.argv[1:])
print()
print("| store | instances | accepted records/s (8 connections) | p99 at that load | p99 at 1,000 records/s | vs SQLite |")
print("| --- | --- | --- | --- | --- | --- |")
base = most["accepted_records_per_s"]
print(f"| SQLite | 1 | {base} | {most['p99_ms']} ms | {rate['p99_ms']} ms (p50 {rate['p50_ms']} ms) | 1.00× |")
for postgres_max, postgres_rate in zip(postgres[0::2], postgres[1::2]):
    print(f"| PostgreSQL | {postgres_max['instances']} | {postgres_max['accepted_records_per_s']} | {postgres_max['p99_ms']} ms "
          f"| {postgres_rate['p99_ms']} ms (p50 {postgres_rate['p50_ms']} ms) "
          f"| {postgres_max['accepted_records_per_s'] / base:.2f}× |")
print()
print(f"goal: 2,000 records/s accepted (SQLite {base / 2000:.2f}×), p99 < 50 ms at 1,000 records/s "
      f"(SQLite {50 / rate['p99_ms']:.2f}×); delivered (SQLite, drops signed and fsynced): {drain['delivered_records_per_s']} records/s")
PY

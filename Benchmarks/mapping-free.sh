#!/usr/bin/env bash
# Benchmarks mapping-free XML → JSON (`ferry convert --from xml --to json`) against xq (Python
# yq) and the parse floor (`xmllint --stream --noout`), in one run on the same generated export:
# the whole document as one value, and streamed item by item (`--item-depth 2`, which this
# Debian's xq does not offer). Prints seconds, MB/s, peak RSS and each against xq.
#
# usage: Benchmarks/mapping-free.sh [SIZE_MB]      (default 50; FERRY=path to choose the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-50}"
work="${BENCH_DIR:-/tmp/ferry-bench}"
mkdir -p "$work"
. Benchmarks/tools.sh
install_missing xmllint:libxml2-utils xq-python:yq /usr/bin/time:time
xq_bin=$(command -v xq-python || command -v xq)
ferry="${FERRY:-.build/release/ferry}"
[ -x "$ferry" ] || swift build -c release --product ferry

# A format C export in UTF-8, which xq can read: 16 same-named REQ siblings per kilobyte or so.
input="$work/mapping-free-$size.xml"
if [ ! -s "$input" ]; then
    python3 Benchmarks/generate.py c "$size" "$work/export-c-$size.xml" > /dev/null
    iconv -f KOI8-R -t UTF-8 "$work/export-c-$size.xml" | sed '1s/encoding="[^"]*"/encoding="UTF-8"/' > "$input"
fi
megabytes=$(python3 -c "import os; print(os.path.getsize('$input') / 1048576)")

# measure LABEL COMMAND... : one run; prints "LABEL seconds peak_kib status"
measure() {
    local label=$1 status=0
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > /dev/null 2> "$work/stderr.txt" || status=$?
    echo "$label $(tail -1 "$work/time.txt") $status"
}

{
    measure floor xmllint --stream --noout "$input"
    measure xq "$xq_bin" -c . "$input"
    measure ferry "$ferry" convert --from xml --to json "$input"
    measure ferry-streamed "$ferry" convert --from xml --to ndjson --item-depth 2 "$input"
} > "$work/mapping-free.txt"

python3 - "$megabytes" "$work/mapping-free.txt" <<'PY'
import sys
megabytes = float(sys.argv[1])
rows = [line.split() for line in open(sys.argv[2])]
times = {label: float(seconds) for label, seconds, _, _ in rows}
names = {"floor": "xmllint --stream --noout (floor)", "xq": "xq -c . (whole document)",
         "ferry": "ferry convert --from xml --to json (whole document)",
         "ferry-streamed": "ferry convert --from xml --to ndjson --item-depth 2"}
print(f"Mapping-free XML → JSON on {megabytes:.0f} MB (format C, UTF-8)")
print()
print("| tool | seconds | MB/s | peak RSS MiB | speed vs xq | exit |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for label, seconds, kib, status in rows:
    seconds = float(seconds)
    print(f"| {names[label]} | {seconds:.2f} | {megabytes / seconds:.1f} | {int(kib) / 1024:.0f} | "
          f"{times['xq'] / seconds:.2f}× | {status} |")
PY

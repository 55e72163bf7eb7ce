#!/usr/bin/env bash
# Benchmarks `ferry convert` against the parse floor (xmllint --stream --noout), xsltproc with
# an equivalent stylesheet, and xq (Python yq), in one run on the same generated exports.
# Prints MB/s, records/s, peak RSS and ratios, and writes the table to Benchmarks/results.md.
#
# usage: Benchmarks/convert.sh [SIZE_MB]      (default 100; FORMATS="a c" to choose)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-100}"
formats="${FORMATS:-a c}"
work="${BENCH_DIR:-/tmp/ferry-bench}"
mkdir -p "$work"
. Benchmarks/tools.sh
install_missing xmllint:libxml2-utils xsltproc:xsltproc xq-python:yq /usr/bin/time:time
xq_bin=$(command -v xq-python || command -v xq)
[ -x .build/release/ferry ] || swift build -c release --product ferry
ferry=.build/release/ferry

# measure COMMAND... : prints "seconds peak_kib status" of one run; the command's output is discarded
measure() {
    local status=0
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > /dev/null 2> "$work/stderr.txt" || status=$?
    echo "$(tail -1 "$work/time.txt") $status"
}

report="Benchmarks/results.md"
{
    echo "# Conversion benchmark"
    echo
    echo "Command: \`Benchmarks/convert.sh $size\` on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)."
    echo
    echo "| format | tool | seconds | MB/s | records/s | peak RSS MiB | throughput vs floor | ferry speed-up |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$report.tmp"

for format in $formats; do
    input="$work/export-$format-$size.xml"
    [ -s "$input" ] || python3 Benchmarks/generate.py "$format" "$size" "$input" > "$input.count"
    records=$(cat "$input.count")
    megabytes=$(python3 -c "import os; print(os.path.getsize('$input') / 1048576)")
    if [ "$format" = a ]; then mapping=kadry-personnel; stylesheet=Benchmarks/kadry.xsl; else mapping=snab2-requisition; stylesheet=Benchmarks/snab2.xsl; fi
    # xq (Python) cannot decode windows-1251 or KOI8-R: it gets a UTF-8 copy of the same export.
    utf8="$work/export-$format-$size.utf8.xml"
    [ -s "$utf8" ] || iconv -f "$(head -c 100 "$input" | grep -o 'encoding="[^"]*"' | cut -d'"' -f2)" -t UTF-8 "$input" \
        | sed '1s/encoding="[^"]*"/encoding="UTF-8"/' > "$utf8"
    declare -A seconds=() rss=() status=()
    read -r seconds[floor] rss[floor] status[floor] < <(measure xmllint --stream --noout "$input")
    read -r seconds[ferry] rss[ferry] status[ferry] < <(measure "$ferry" convert -m "$mapping" "$input")
    read -r seconds[xsltproc] rss[xsltproc] status[xsltproc] < <(measure xsltproc "$stylesheet" "$input")
    read -r seconds[xq] rss[xq] status[xq] < <(measure "$xq_bin" -c . "$utf8")
    for tool in floor ferry xsltproc xq; do
        python3 - "$format" "$tool" "${seconds[$tool]}" "${rss[$tool]}" "${status[$tool]}" "$megabytes" "$records" \
            "${seconds[floor]}" "${seconds[ferry]}" >> "$report.tmp" <<'PY'
import sys
fmt, tool, s, kib, status, mb, n, floor, ferry = sys.argv[1:]
s, kib, mb, n, floor, ferry = float(s), float(kib), float(mb), int(n), float(floor), float(ferry)
name = {"floor": "xmllint --stream --noout (floor)", "ferry": "ferry convert", "xsltproc": "xsltproc",
        "xq": "xq -c . (Python yq, on a UTF-8 copy)"}[tool]
if status != "0":
    name += f" (failed: exit {status})"
speedup = "" if tool in ("ferry", "floor") else f"{s / ferry:.1f}×"
print(f"| {fmt.upper()} ({n:,} records, {mb:.0f} MB) | {name} | {s:.2f} | {mb / s:.1f} | {n / s:,.0f} | {kib / 1024:.0f} | {floor / s:.2f}× | {speedup} |")
PY
    done
    unset seconds rss status
done
mv "$report.tmp" "$report"
cat "$report"

#!/usr/bin/env bash
# Compares builds of ferry on one export: alternates the parse floor (xmllint --stream --noout)
# and each build, round after round, and prints each one's best wall and user time and its
# throughput against the floor. On a machine whose speed drifts from minute to minute, only
# runs alternated like this compare builds fairly.
#
# usage: Benchmarks/compare.sh EXPORT MAPPING ROUNDS LABEL=FERRY_BINARY...
#   e.g. Benchmarks/compare.sh /tmp/ferry-bench/export-c-20.xml snab2-requisition 5 \
#            before=/tmp/ferry-before after=.build/release/ferry
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,10p' "$0" >&2; exit 64; }
export_file=$1 mapping=$2 rounds=$3
shift 3
declare -A wall user
# best LABEL SECONDS USER: keeps the smallest times seen
best() {
    if [ -z "${wall[$1]:-}" ] || awk "BEGIN { exit !($2 < ${wall[$1]}) }"; then wall[$1]=$2; fi
    if [ -z "${user[$1]:-}" ] || awk "BEGIN { exit !($3 < ${user[$1]}) }"; then user[$1]=$3; fi
}
for _ in $(seq "$rounds"); do
    read -r seconds cpu < <({ /usr/bin/time -f "%e %U" xmllint --stream --noout "$export_file"; } 2>&1 | tail -1)
    best floor "$seconds" "$cpu"
    for build in "$@"; do
        read -r seconds cpu < <({ /usr/bin/time -f "%e %U" "${build#*=}" convert -m "$mapping" "$export_file" > /dev/null; } 2>&1 | tail -1)
        best "${build%%=*}" "$seconds" "$cpu"
    done
done
printf '%-12s %8s %8s %10s\n' "" "wall s" "user s" "vs floor"
printf '%-12s %8s %8s %10s\n' floor "${wall[floor]}" "${user[floor]}" "1.00×"
for build in "$@"; do
    label=${build%%=*}
    printf '%-12s %8s %8s %9s×\n' "$label" "${wall[$label]}" "${user[$label]}" \
        "$(awk "BEGIN { printf \"%.2f\", ${wall[floor]} / ${wall[$label]} }")"
done

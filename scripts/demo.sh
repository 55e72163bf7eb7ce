#!/usr/bin/env bash
# The main job: converts the example exports of ../shared/spec/examples with the release build,
# writes the canonical records, the rejects and the social fund's notices under out/, and
# prints a summary. (The gateway will take over this command once it exists.)
set -uo pipefail
cd "$(dirname "$0")/.."
examples="${FERRY_EXAMPLES:-../shared/spec/examples}"
ferry=".build/release/ferry"
mkdir -p out
run() {
    local name="$1"; shift
    "$ferry" "$@" > "out/$name" 2> "out/$name.stderr"
    local status=$?
    printf '%-38s exit %d  %s\n' "out/$name" "$status" "$(wc -l < "out/$name" | tr -d ' ') lines"
}
run personnel.ndjson convert -m kadry-personnel --rejects out/personnel.rejects.ndjson "$examples/kadry-export.xml"
run requisitions.ndjson convert -m snab2-requisition --rejects out/requisitions.rejects.ndjson "$examples/logistics.xml"
run contracts.ndjson convert -m zakupki-contract --rejects out/contracts.rejects.ndjson "$examples"/zakupki/*.xml
"$ferry" convert -m social-fund-discharge --reverse out/personnel.ndjson > out/social-fund-discharge.xml 2> out/social-fund-discharge.stderr
status=$?
printf '%-38s exit %d  %s\n' out/social-fund-discharge.xml "$status" \
    "$( [ "$status" = 1 ] && echo "(records format D cannot hold: out/social-fund-discharge.stderr)")"
"$ferry" validate out/personnel.ndjson out/requisitions.ndjson out/contracts.ndjson && echo "ferry validate: all records valid"
echo
echo "The social fund's discharge notices (format D):"
cat out/social-fund-discharge.xml

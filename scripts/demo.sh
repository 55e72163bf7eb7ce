#!/usr/bin/env bash
# The main job: starts the gateway on its embedded SQLite store with the demo configuration
# (examples/gateway/ferry.yaml), sends each example export as its sender would, with curl, and
# shows where the deliveries land, that their signatures verify and that the audit chain holds.
# From a terminal the gateway keeps serving until Ctrl-C; otherwise it stops after the tour.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${FERRY_EXAMPLES:-../shared/spec/examples}"
ferry=".build/release/ferry"
data=".ferry-data"
port="${FERRY_PORT:-8080}"
url="http://127.0.0.1:$port"

rm -rf "$data"   # a fresh store each run, so the tour shows every delivery
"$ferry" keys generate --directory "$data/keys" > /dev/null
"$ferry" serve --config examples/gateway/ferry.yaml --listen "127.0.0.1:$port" 2> "$data.log" &
gateway=$!
trap 'kill -TERM $gateway 2>/dev/null; wait $gateway 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$url/readyz" > /dev/null && break; sleep 0.1; done
echo "ferry serve is listening on $url (data in $data/, log in $data.log)"
echo

send() {  # token file: shows the command, then the gateway's answer in brief
    local token="$1" file="$2"
    echo "\$ curl -X POST -H 'Authorization: Bearer $token' -H 'Content-Type: application/xml' --data-binary @$file $url/v1/documents"
    curl -s -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/xml" \
        --data-binary "@$file" "$url/v1/documents" | python3 scripts/summarize-report.py
}
send hr-demo-token "$examples/kadry-export.xml"
send logistics-demo-token "$examples/logistics.xml"
for file in "$examples"/zakupki/*.xml; do send contracts-demo-token "$file"; done
# A contract under the state defense order: classified restricted, never for the public register.
send contracts-demo-token Tests/Fixtures/zakupki-contract/scheme-variants/input.xml

sleep 1
echo
echo "Deliveries (directory drops under $data/deliveries/, each with a signature sidecar):"
for file in $(find "$data/deliveries" -type f ! -name '*.sig.json' | sort); do
    echo "  $("$ferry" verify --keys "$data/keys" "$file" 2>&1 | tail -1)"
done
echo
echo "The social fund's discharge notices (format D):"
cat "$data"/deliveries/social-fund/*.xml
echo
# The auditor's check, with the signing key pinned by its fingerprint (audit.key_fingerprint in a
# real configuration, given to the auditor through another channel).
fingerprint=$("$ferry" keys list --directory "$data/keys" | awk '{print $2}')
echo "\$ ferry audit verify --data $data --key-fingerprint $fingerprint"
"$ferry" audit verify --data "$data" --key-fingerprint "$fingerprint"
echo
echo "More: curl -H 'Authorization: Bearer ops-demo-token' $url/metrics | $url/openapi.yaml | $url/v1/keys"
echo "      FERRY_TOKEN=ops-demo-token $ferry queue list --url $url"
if [ -t 0 ]; then
    echo "The gateway keeps serving on $url; Ctrl-C stops it."
    wait $gateway
fi

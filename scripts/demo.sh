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

documents=()
send() {  # token file: shows the command, then the gateway's answer in brief
    local token="$1" file="$2" report
    echo "\$ curl -X POST -H 'Authorization: Bearer $token' -H 'Content-Type: application/xml' --data-binary @$file $url/v1/documents"
    report=$(curl -s -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/xml" \
        --data-binary "@$file" "$url/v1/documents")
    python3 scripts/summarize-report.py <<< "$report"
    documents+=("$(python3 -c 'import json, sys; print(json.load(sys.stdin).get("document", ""))' <<< "$report")")
}
send hr-demo-token "$examples/kadry-export.xml"
send logistics-demo-token "$examples/logistics.xml"
for file in "$examples"/zakupki/*.xml; do send contracts-demo-token "$file"; done
# A contract under the state defense order: classified restricted, never for the public register.
send contracts-demo-token Tests/Fixtures/zakupki-contract/scheme-variants/input.xml

echo
echo "Contracts for the public register wait for two reviewers (review: required on its route):"
echo "\$ FERRY_TOKEN=reviewer-a-demo-token ferry review list --url $url"
FERRY_TOKEN=reviewer-a-demo-token "$ferry" review list --url "$url"
for id in $(FERRY_TOKEN=reviewer-a-demo-token "$ferry" review list --url "$url" 2> /dev/null | cut -f1); do
    for reviewer in reviewer-a reviewer-b; do
        echo "\$ FERRY_TOKEN=$reviewer-demo-token ferry review approve --url $url $id"
        FERRY_TOKEN="$reviewer-demo-token" "$ferry" review approve --url "$url" "$id"
    done
done
# Until no record of the tour waits for a delivery (the operator reads every document's status).
settled() {
    for document in "${documents[@]}"; do
        curl -s -H "Authorization: Bearer ops-demo-token" "$url/v1/documents/$document" | python3 -c '
import json, sys
states = [d["state"] for r in json.load(sys.stdin).get("records", []) for d in r.get("destinations", [])]
sys.exit(1 if any(s in ("pending", "leased", "in-review") for s in states) else 0)' || return 1
    done
}
for _ in $(seq 300); do settled && break; sleep 0.1; done
if settled; then
    echo "Every approved contract is delivered to the public register."
else
    echo "Some deliveries are still pending after 30 s: see $data.log" >&2
fi
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
echo "The operators' console: $url/console/ (sign in with ops-demo-token, reviewer-a-demo-token or reviewer-b-demo-token)"
echo "More: curl -H 'Authorization: Bearer ops-demo-token' $url/metrics | $url/openapi.yaml | $url/v1/keys"
echo "      FERRY_TOKEN=ops-demo-token $ferry queue list|held --url $url"
echo "      FERRY_TOKEN=reviewer-a-demo-token $ferry review list|show|approve|reject --url $url"
if [ -t 0 ]; then
    echo "The gateway keeps serving on $url; Ctrl-C stops it."
    wait $gateway
fi

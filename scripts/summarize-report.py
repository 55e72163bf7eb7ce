#!/usr/bin/env python3
"""Prints a gateway answer (POST /v1/documents) in brief: counts, then each record's outcome
and, per destination, its delivery state and the fields removed for it."""
import json
import sys

report = json.load(sys.stdin)
if "document" not in report:
    print(f"  refused: {report.get('error')}")
    sys.exit()
print(f"  document {report['document']}: {report.get('accepted', 0)} accepted, "
      f"{report.get('duplicates', 0)} duplicates, {report.get('rejected', 0)} rejected")
for record in report.get("records", []):
    places = []
    for destination in record.get("destinations", []):
        removed = [field.split("/")[-1] for field in destination.get("removed_fields", [])]
        places.append(f"{destination['destination']} ({destination['state']}"
                      + (f", without {' '.join(removed)}" if removed else "") + ")")
    detail = ", ".join(places) or record.get("reason") or "no route"
    print(f"    {record['outcome']:8} {record.get('key')}: {detail}")

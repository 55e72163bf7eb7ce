#!/usr/bin/env python3
"""Validates canonical records (NDJSON) against an exported JSON Schema with Python's
independent `jsonschema` package, reading numbers as decimals so `multipleOf` is exact.

usage: validate-json-schema.py SCHEMA.json RECORDS.ndjson
Prints one line per record, "ok" or "invalid: <first error>", and exits 1 when any record is
invalid, 2 when the schema itself is not valid JSON Schema 2020-12.
"""
import decimal
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle, parse_float=decimal.Decimal)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        print(f"schema error: {error.message}")
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    with open(sys.argv[2], encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line, parse_float=decimal.Decimal)
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
            if errors:
                failures += 1
                path = "/" + "/".join(str(p) for p in errors[0].absolute_path)
                print(f"invalid: {path}: {errors[0].message}")
            else:
                print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

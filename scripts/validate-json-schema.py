#!/usr/bin/env python3
"""Validates canonical records (NDJSON) against an exported JSON Schema with Python's
independent `jsonschema` package, reading numbers as decimals, and checking Ferry's vendor
keyword `x-ferry-maxFractionDigits` (digits after the decimal point, as written) the way a
receiving agency would add it to its validator.

With --standard, only the standard keywords are checked (the vendor keyword is ignored) and
numbers are read as binary floats, as most validators do.

usage: validate-json-schema.py [--standard] SCHEMA.json RECORDS.ndjson
Prints one line per record, "ok" or "invalid: <first error>", and exits 1 when any record is
invalid, 2 when the schema itself is not valid JSON Schema 2020-12.
"""
import decimal
import json
import sys

import jsonschema


def max_fraction_digits(validator, digits, instance, schema):
    """x-ferry-maxFractionDigits: at most `digits` digits after the decimal point."""
    if isinstance(instance, decimal.Decimal):
        exponent = instance.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > digits:
            yield jsonschema.exceptions.ValidationError(f"{instance} has more than {digits} fraction digits")


def main():
    arguments = sys.argv[1:]
    standard = arguments[:1] == ["--standard"]
    if standard:
        arguments = arguments[1:]
    parse_float = float if standard else decimal.Decimal
    with open(arguments[0], encoding="utf-8") as handle:
        schema = json.load(handle, parse_float=parse_float)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        print(f"schema error: {error.message}")
        return 2
    if standard:
        validator = jsonschema.Draft202012Validator(schema)
    else:
        extended = jsonschema.validators.extend(
            jsonschema.Draft202012Validator, {"x-ferry-maxFractionDigits": max_fraction_digits})
        validator = extended(schema)
    failures = 0
    with open(arguments[1], encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line, parse_float=parse_float)
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

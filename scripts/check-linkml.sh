#!/usr/bin/env bash
# Proves the files in schemas/ are the LinkML profile they claim to be: LinkML's own linter
# reports no errors (its style warnings, such as a slot without a description, are allowed)
# and its JSON Schema generator loads each file. LinkML comes from PyPI into a virtual
# environment under .build-linkml/ (ignored by git), created once.
#
# Usage: scripts/check-linkml.sh [SCHEMA…]   (default: every file in schemas/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.build-linkml"
if [ ! -x "$venv/bin/linkml-lint" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check linkml
fi
status=0
if [ $# -eq 0 ]; then
    cd "$root"
    set -- schemas/*.yaml
fi
for schema in "$@"; do
    if "$venv/bin/linkml-lint" --ignore-warnings "$schema" > "$venv/lint.log" 2>&1; then
        echo "linkml-lint: $schema: no errors"
    else
        cat "$venv/lint.log"
        status=1
    fi
    if "$venv/bin/gen-json-schema" "$schema" > /dev/null 2> "$venv/gen.log"; then
        echo "gen-json-schema: $schema: loads"
    else
        cat "$venv/gen.log"
        status=1
    fi
done
exit $status

#!/usr/bin/env bash
# Installs the Debian packages Ferry builds and runs with, when any is missing.
# Build: libxml2 and libyaml headers (with pkg-config), zlib for ZIP archives, SQLite for the
# gateway's store; tzdata for the time zones mappings name (`zone:`). Tests and benchmarks: libxml2-utils (xmllint), xsltproc, python3 with venv
# (LinkML's tools for scripts/check-linkml.sh), jsonschema (an independent validator) and
# the Python package cryptography.
set -euo pipefail
packages=(pkg-config libxml2-dev libyaml-dev zlib1g-dev libsqlite3-dev libxml2-utils xsltproc python3 python3-venv python3-jsonschema time curl openssl tzdata)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing missing Debian packages: ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The receivers' verification example of docs/gateway.md, which the tests run, uses the
# cryptography package (Ed25519) of the python3 on the PATH; the YAML output tests read ferry's
# YAML with PyYAML, a YAML 1.1 reader.
for module in cryptography:cryptography yaml:pyyaml; do
    if ! python3 -c "import ${module%%:*}" 2>/dev/null; then
        echo "Installing the Python package ${module#*:}" >&2
        python3 -m pip install --quiet "${module#*:}"
    fi
done

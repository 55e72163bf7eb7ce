#!/usr/bin/env bash
# The headless browser the console's tests drive: Debian's chromium and chromium-driver, and
# Selenium from PyPI in a virtual environment under .build-browser/ (ignored by git), each
# installed once when missing.
#
#   scripts/browser.sh run CMD   # runs CMD with FERRY_TEST_BROWSER_PYTHON set to that environment's python
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.build-browser"

prepare() {
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        echo "Installing Debian's chromium and chromium-driver" >&2
        local sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
    fi
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check selenium >&2
    fi
}

case "${1:-}" in
run)
    shift
    prepare
    FERRY_TEST_BROWSER_PYTHON="$venv/bin/python" "$@"
    ;;
*)
    sed -n '2,7p' "$0" >&2
    exit 64
    ;;
esac

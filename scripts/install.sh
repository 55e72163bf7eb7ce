#!/usr/bin/env bash
# Installs ferry under a prefix: the executable, the shipped schemas and mappings (which
# `ferry convert -m NAME` finds from any directory), the man page and shell completions.
#
#   scripts/install.sh PREFIX [release|debug]     (make install PREFIX=… runs it with release)
#
#   PREFIX/bin/ferry
#   PREFIX/share/ferry/{schemas,mappings}
#   PREFIX/share/man/man1/ferry.1                  (argument-parser's generate-manual plugin)
#   PREFIX/share/doc/ferry/                        (README, docs/, the diagnostic codes; SARIF points here)
#   PREFIX/share/bash-completion/completions/ferry
#   PREFIX/share/zsh/site-functions/_ferry
#   PREFIX/share/fish/vendor_completions.d/ferry.fish
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: scripts/install.sh PREFIX [release|debug]}
configuration=${2:-release}
swift build -c "$configuration" --product ferry
swift package plugin generate-manual --configuration "$configuration" > /dev/null
install -D -m 755 ".build/$configuration/ferry" "$prefix/bin/ferry"
install -d "$prefix/share/ferry"
rm -rf "$prefix/share/ferry/schemas" "$prefix/share/ferry/mappings"
cp -R schemas mappings "$prefix/share/ferry/"
install -D -m 644 .build/plugins/GenerateManual/outputs/ferry/ferry.1 "$prefix/share/man/man1/ferry.1"
install -d "$prefix/share/doc/ferry"
install -m 644 README.md docs/*.md Sources/FerryCore/FerryCore.docc/DiagnosticCodes.md "$prefix/share/doc/ferry/"
install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
    "$prefix/share/fish/vendor_completions.d"
"$prefix/bin/ferry" --generate-completion-script bash > "$prefix/share/bash-completion/completions/ferry"
"$prefix/bin/ferry" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_ferry"
"$prefix/bin/ferry" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/ferry.fish"
echo "ferry installed under $prefix" >&2

#!/usr/bin/env bash
# Runs one libFuzzer target for a given time: builds ferry-fuzz with AddressSanitizer and
# libFuzzer's coverage instrumentation (into .build-fuzz/), then fuzzes from the seed corpus in
# Fuzz/Corpus/TARGET, keeping new inputs in .build-fuzz/corpus/TARGET and crashes in
# Fuzz/Crashes/TARGET. (swiftc's -sanitize=fuzzer would link libFuzzer's main over the one
# SwiftPM gives executables, so the entry point starts libFuzzer's driver itself.)
#
# usage: scripts/fuzz.sh xml-records|json|yaml|mapping SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
target="$1"
seconds="${2:-600}"
fuzzer_library=$(ls "$(dirname "$(command -v swiftc)")"/../lib/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a)
swift build -c debug --product ferry-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xswiftc -DFUZZING -Xlinker "$fuzzer_library" -Xlinker -lstdc++ 2>&1 | tail -1
binary=.build-fuzz/debug/ferry-fuzz
mkdir -p ".build-fuzz/corpus/$target" "Fuzz/Crashes/$target"
# -detect_leaks=0: Swift keeps payload pointers of enums in spare bits, which LeakSanitizer
# cannot follow, so it reports the live mapping as leaked; -rss_limit_mb still catches growth.
ASAN_OPTIONS=detect_leaks=0 FERRY_FUZZ_TARGET="$target" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -detect_leaks=0 \
    -max_len=65536 -artifact_prefix="Fuzz/Crashes/$target/" -print_final_stats=1 \
    ".build-fuzz/corpus/$target" "Fuzz/Corpus/$target"

#!/bin/sh
# Fuzzes the TesseraCore decoders for SECONDS (default 60).
#
#   Tests/Fuzz/run-fuzz.sh 60
#
# Compiles Tests/Fuzz/FuzzDecode.swift together with Sources/TesseraCore into one module
# with libFuzzer and AddressSanitizer (`swiftc -sanitize=fuzzer,address`), seeds the corpus
# from the golden files, and runs libFuzzer. If this toolchain cannot link libFuzzer, it
# builds the same harness with -D FUZZ_LOOP and runs a randomised mutation loop instead.
# Work files go to .build-fuzz/ (git-ignored); crashing inputs are written there too.
set -eu

SECONDS_TO_RUN="${1:-60}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$ROOT/.build-fuzz"
GOLDEN="$ROOT/Tests/TesseraCoreTests/Encoding/Golden"
mkdir -p "$WORK/corpus" "$WORK/seeds" "$WORK/artifacts"

SOURCES=$(find "$ROOT/Sources/TesseraCore" -name '*.swift' | sort)
COMMON="-parse-as-library -swift-version 6 -module-name TesseraCore -I $ROOT/Sources/CZlib -g -O"

# Seeds: each golden container as is (mode 0), and the payload of the uncompressed ones
# behind mode bytes 1 and 2 (their headers are 13 bytes: payloads of 128 B to 16 KiB).
for file in "$GOLDEN"/*.tessera; do
    name=$(basename "$file" .tessera)
    { printf '\000'; cat "$file"; } > "$WORK/seeds/$name-container"
    case "$name" in
    *deflated*|*version*) ;;
    *)
        { printf '\001'; tail -c +14 "$file"; } > "$WORK/seeds/$name-payload-changes"
        { printf '\002'; tail -c +14 "$file"; } > "$WORK/seeds/$name-payload-snapshot"
        ;;
    esac
done

echo "building libFuzzer harness..."
# shellcheck disable=SC2086
if swiftc $COMMON -sanitize=fuzzer,address $SOURCES "$ROOT/Tests/Fuzz/FuzzDecode.swift" \
    -o "$WORK/fuzz-decode" 2> "$WORK/build.log"; then
    echo "running libFuzzer for $SECONDS_TO_RUN s"
    exec "$WORK/fuzz-decode" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$WORK/artifacts/" "$WORK/corpus" "$WORK/seeds"
fi

echo "libFuzzer unavailable (see $WORK/build.log); building the randomised loop instead"
# shellcheck disable=SC2086
swiftc $COMMON -D FUZZ_LOOP $SOURCES "$ROOT/Tests/Fuzz/FuzzDecode.swift" -o "$WORK/fuzz-decode-loop"
exec "$WORK/fuzz-decode-loop" "$SECONDS_TO_RUN" "$WORK"/seeds/*

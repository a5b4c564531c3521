#!/usr/bin/env bash
# Fuzzes the parsers that read untrusted bytes with libFuzzer (and AddressSanitizer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# Targets: json event csv import rule query (all by default). SECONDS_PER_TARGET defaults to 10;
# use hours for a long run. Corpora grow in .build-fuzz/corpus/TARGET (seeded from Fuzz/seeds);
# a crashing input is saved to .build-fuzz/artifacts/ and printed in base64: add it as a
# regression test (Tests/AttuneCoreTests/FuzzRegressionTests.swift) before fixing the bug.
#
# The instrumented build compiles the domain module and the few server and import files that
# parse input straight with swiftc, so it never disturbs the package's own .build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json event csv import rule query)

out=.build-fuzz
mkdir -p "$out/module" "$out/artifacts"
flags=(-O -sanitize=fuzzer,address -parse-as-library -package-name attune
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility)

# Rebuild only when a source changed.
# AttuneCore imports the header-only C module CAttuneIntrinsics; SwiftPM makes its module map,
# here it is written by hand.
mkdir -p "$out/cmodule"
header="$PWD/Sources/CAttuneIntrinsics/include/CAttuneIntrinsics.h"
printf 'module CAttuneIntrinsics {\n    header "%s"\n    export *\n}\n' "$header" > "$out/cmodule/module.modulemap"
flags+=(-I "$out/cmodule")

sources=$(find Sources/AttuneCore -name '*.swift' | sort)
extra=(Sources/AttuneServer/Support/Cursor.swift Sources/AttuneEngine/Import/TabularSource.swift
    Sources/AttuneEngine/Import/CellTyping.swift Sources/AttuneEngine/Serving/ItemRules.swift Fuzz/FuzzTargets.swift)
stamp=$(cat $sources "${extra[@]}" "$header" "$0" | sha256sum | cut -c1-16)
if [ ! -x "$out/attune-fuzz" ] || [ "$(cat "$out/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "building the fuzz driver (instrumented)..."
    # The linker warns once per AddressSanitizer helper symbol; the log keeps them for a failure.
    # shellcheck disable=SC2086
    if ! { swiftc "${flags[@]}" -module-name AttuneCore -emit-module -emit-module-path "$out/module/AttuneCore.swiftmodule" \
            -emit-library -static -o "$out/module/libAttuneCore.a" $sources &&
        swiftc "${flags[@]}" -module-name AttuneFuzz -I "$out/module" -L "$out/module" -lAttuneCore \
            "${extra[@]}" -o "$out/attune-fuzz"; } >"$out/build.log" 2>&1; then
        grep -v "Cannot export local symbol" "$out/build.log" | tail -n 40
        echo "the fuzz driver did not build"
        exit 2
    fi
    echo "$stamp" > "$out/stamp"
fi

status=0
for target in "${targets[@]}"; do
    corpus="$out/corpus/$target"
    mkdir -p "$corpus"
    [ -d "Fuzz/seeds/$target" ] && cp -n Fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
    log="$out/$target.log"
    if ATTUNE_FUZZ_TARGET="$target" "$out/attune-fuzz" "$corpus" -max_total_time="$seconds" -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/artifacts/$target-" -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{print $2}')
        echo "fuzz $target: ${runs:-?} inputs in ${seconds}s, no crash"
    else
        status=1
        echo "fuzz $target: CRASH"
        grep -E "ERROR|Fatal error|Precondition|SUMMARY|==[0-9]+==" "$log" | head -n 8
        for artifact in "$out/artifacts/$target-"*; do
            [ -f "$artifact" ] || continue
            echo "input $artifact (base64): $(base64 -w0 "$artifact" | head -c 2000)"
        done
    fi
done
exit $status

#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in its own build folder (a cold build: about 35 minutes
# on 2 cores, too long for CI, so it is run by hand before a release).
#
#   scripts/sanitizers.sh thread|address [swift test options, e.g. --filter AttuneMLTests]
#
# Thread Sanitizer reads scripts/tsan-suppressions.txt: the SGD trainers (BPR, factorisation
# machine) update shared parameters without locks on purpose (Hogwild!, as implicit and LightFM
# do), and those races are the algorithm, not a bug. Every other report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?usage: scripts/sanitizers.sh thread|address [swift test options]}"
shift
case "$sanitizer" in thread | address) ;; *) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;; esac
build=".build-$sanitizer"
swift build --build-tests --sanitize="$sanitizer" --build-path "$build"
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt halt_on_error=0 ${TSAN_OPTIONS:-}"
# Leak detection is off: the run checks memory errors (out-of-bounds, use after free) only.
export ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}"
swift test --skip-build --sanitize="$sanitizer" --build-path "$build" "$@"

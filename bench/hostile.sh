#!/usr/bin/env bash
# Measures the worst case per hostile message (bench/hostile_bench.cpp), ours beside libsignal,
# and writes Google Benchmark's JSON to bench/results/hostile-messages.json, which the evidence
# pack shows as a committed measurement with its date, commit and hash (never as this run's).
#   bash bench/hostile.sh [BUILD_DIR]     (default build/default; needs RATCHETCHECK_BUILD_BENCH=ON,
#                                          which the default preset sets)
# About 30 s on two cores. Absolute times depend on the machine; the report shows ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/default}
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
case "$build_type" in
  Release | RelWithDebInfo) ;;
  *) echo "hostile.sh: $build is a '$build_type' build; ratios against libsignal's optimized" \
       "library need Release or RelWithDebInfo (the default preset)" >&2; exit 2 ;;
esac
echo "building hostile_bench in $build ($build_type) ..."
nice cmake --build "$build" --target hostile_bench
commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then commit="$commit (uncommitted changes)"; fi
mkdir -p "$root/bench/results"
out=$root/bench/results/hostile-messages.json
echo "running: $build/bin/hostile_bench --benchmark_min_time=0.3 --benchmark_format=json"
"$build/bin/hostile_bench" --benchmark_min_time=0.3 --benchmark_format=json \
  --benchmark_context=commit="$commit" \
  --benchmark_context=command="bash bench/hostile.sh" \
  --benchmark_context=note="Receivers: ours and libsignal hold 40 archived sessions besides the current one; olm keeps one session per pair and no archive, so its figures are one session's, taken after its receiver answered (olm accepts a new ratchet key only then) and it has no forged_prekey row (olm starts sessions outside decrypt). olm answers every rejection inside decrypt as BAD_MESSAGE_MAC: no distinct duplicate or too-far answer. Peak bytes of olm are the benchmark's own buffers: olm allocates nothing." \
  >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out; re-run with: bash bench/hostile.sh $build"

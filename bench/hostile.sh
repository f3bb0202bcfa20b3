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
  >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out; re-run with: bash bench/hostile.sh $build"

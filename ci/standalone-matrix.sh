#!/usr/bin/env bash
# Builds the library the way a packager does, in every build type with every compiler we support:
# `cmake -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=<type>` with none of our presets' settings (so no
# -Werror), from clean, failing on any compiler warning (tests/standalone/configure_standalone.cmake
# with PACKAGER=ON). The ctest standalone_library_packager_release runs the g++ Release cell of
# this matrix in every default run; this script runs all eight (about 3 minutes each on 2 cores).
#
#   bash ci/standalone-matrix.sh [WORK_DIR]     (default build/standalone-matrix)
#
# Prints one line per cell and the command that re-runs it; exits 1 if any cell failed.
set -uo pipefail
cd "$(dirname "$0")/.."
work_dir=${1:-build/standalone-matrix}
compilers=("gcc g++" "clang-14 clang++-14")
build_types=(Release RelWithDebInfo Debug MinSizeRel)
mkdir -p "$work_dir"
failures=0
cells=0
for compiler_pair in "${compilers[@]}"; do
  read -r c_compiler cxx_compiler <<<"$compiler_pair"
  for build_type in "${build_types[@]}"; do
    cells=$((cells + 1))
    cell_dir="$work_dir/$cxx_compiler-$build_type"
    command=(cmake -DSOURCE_DIR="$PWD" -DWORK_DIR="$cell_dir" -DGENERATOR=Ninja
             -DBUILD_TYPE="$build_type" -DC_COMPILER="$(command -v "$c_compiler")"
             -DCXX_COMPILER="$(command -v "$cxx_compiler")" -DPACKAGER=ON
             -P tests/standalone/configure_standalone.cmake)
    echo "== [$cells/8] $cxx_compiler $build_type"
    started=$(date +%s)
    if "${command[@]}" >"$cell_dir.log" 2>&1; then
      echo "   ok in $(($(date +%s) - started)) s"
    else
      failures=$((failures + 1))
      echo "   FAILED in $(($(date +%s) - started)) s; log: $cell_dir.log"
      grep -E "warning:|error:|CMake Error" "$cell_dir.log" | head -n 5 | sed 's/^/   /'
      echo "   re-run: ${command[*]}"
    fi
  done
done
echo "$((cells - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

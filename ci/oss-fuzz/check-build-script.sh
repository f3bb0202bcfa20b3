#!/usr/bin/env bash
# Runs ci/oss-fuzz/build.sh (the OSS-Fuzz and ClusterFuzzLite build) locally, with the variables
# their builders set and Debian's clang-14 as the compiler, then checks $OUT: every target of fuzz/
# is there with its seed corpus zip (and .dict/.options where the target has them), and each binary
# runs its unzipped seed corpus once under ASan + UBSan (-runs=0). There is no Docker here; this is
# the build.sh half of the contract (ctest fuzz_oss_fuzz_build_script).
#   bash ci/oss-fuzz/check-build-script.sh SOURCE_DIR SCRATCH_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
scratch=$2
echo "re-run: bash $source_dir/ci/oss-fuzz/check-build-script.sh $source_dir $scratch"
rm -rf "$scratch"
mkdir -p "$scratch/src" "$scratch/work" "$scratch/out"
ln -s "$source_dir" "$scratch/src/ratchetcheck"

sanitizers="-fsanitize=address -fsanitize-address-use-after-scope -fsanitize=undefined"
SRC="$scratch/src" WORK="$scratch/work" OUT="$scratch/out" \
  CC=clang-14 CXX=clang++-14 \
  CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $sanitizers -fsanitize=fuzzer-no-link" \
  CXXFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $sanitizers -fsanitize=fuzzer-no-link" \
  LIB_FUZZING_ENGINE="-fsanitize=fuzzer" \
  bash "$source_dir/ci/oss-fuzz/build.sh"

failures=0
targets=0
for source in "$source_dir"/fuzz/*.cpp; do
  target=$(basename "$source" .cpp)
  # Only the target files define a target; the driver and helpers do not.
  grep -Eq "^ *ratchetcheck_add_fuzz_target\\($target[ )]" "$source_dir/fuzz/CMakeLists.txt" || continue
  targets=$((targets + 1))
  binary="$scratch/out/$target"
  zip="$scratch/out/${target}_seed_corpus.zip"
  if [ ! -x "$binary" ] || [ ! -s "$zip" ]; then
    echo "FAIL $target: missing $binary or $zip"; failures=$((failures + 1)); continue
  fi
  for extension in dict options; do
    if [ -f "$source_dir/fuzz/$target.$extension" ] && [ ! -f "$scratch/out/$target.$extension" ]; then
      echo "FAIL $target: $target.$extension not copied"; failures=$((failures + 1))
    fi
  done
  corpus="$scratch/corpus/$target"
  mkdir -p "$corpus"
  if ! (cd "$corpus" && cmake -E tar xf "$zip"); then
    echo "FAIL $target: $zip is not a zip archive"; failures=$((failures + 1)); continue
  fi
  if ! (cd "$scratch/out" && "$binary" -runs=0 "$corpus" > "$scratch/$target.log" 2>&1); then
    echo "FAIL $target: its seed corpus does not run clean (log: $scratch/$target.log)"
    failures=$((failures + 1)); continue
  fi
  echo "ok   $target: $(ls "$corpus" | wc -l) seeds run"
done
echo "$targets targets, $failures failure(s)"
[ "$targets" -ge 10 ] && [ "$failures" -eq 0 ]

#!/bin/bash -eu
# Builds the fuzz targets the way OSS-Fuzz and ClusterFuzzLite build a project (their build.sh
# contract): the compilers and flags come from $CC $CXX $CFLAGS $CXXFLAGS (sanitizer and coverage
# flags included), the engine from $LIB_FUZZING_ENGINE, the sources are in $SRC/ratchetcheck, and
# everything the engine needs goes to $OUT: each target's binary (named <target>, without the
# fuzz_ prefix of the build tree), <target>_seed_corpus.zip from corpus/<target>/, and the
# target's .dict and .options. $WORK holds the build tree.
# .clusterfuzzlite/build.sh runs this same file; ctest fuzz_oss_fuzz_build_script runs it locally
# with the variables set (docs/fuzzing.md).
source_dir="$SRC/ratchetcheck"
build_dir="$WORK/ratchetcheck-build"

cmake -S "$source_dir" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DBUILD_TESTING=OFF -DRATCHETCHECK_BUILD_BENCH=OFF -DRATCHETCHECK_BUILD_FUZZ=ON \
  -DRATCHETCHECK_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build_dir" --target fuzz_targets

# On OSS-Fuzz a target is named by its file in $OUT: the target's own name (signal_message, ...),
# which is also what its .options file calls its dictionary.
for binary in "$build_dir"/bin/fuzz_*; do
  target=$(basename "$binary")
  target=${target#fuzz_}
  cp "$binary" "$OUT/$target"
  if [ -d "$source_dir/corpus/$target" ]; then
    rm -f "$OUT/${target}_seed_corpus.zip"
    (cd "$source_dir/corpus/$target" && cmake -E tar cf "$OUT/${target}_seed_corpus.zip" --format=zip -- *)
  fi
  for extension in dict options; do
    if [ -f "$source_dir/fuzz/$target.$extension" ]; then
      cp "$source_dir/fuzz/$target.$extension" "$OUT/$target.$extension"
    fi
  done
  echo "build.sh: $target -> $OUT"
done

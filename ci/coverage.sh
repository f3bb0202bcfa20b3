#!/usr/bin/env bash
# Line and branch coverage of protocol/ (the reference implementation) from the test suite plus
# the replay of every fuzz corpus, measured with clang-14's source-based coverage (llvm-cov).
#
#   bash ci/coverage.sh [--min-line PERCENT] [--scope full|replay]
#
# --scope replay (what `ratchetcheck evidence` runs, to stay within its time budget) builds only
# unit_tests, kat_test and the replay builds of the fuzz targets, and runs those two test
# programs and every corpus file once: no property, interop, vectors or ct runs, so the figures
# are lower bounds of the full scope's. Either scope writes build/coverage/scope.json (which
# programs ran, with which commands).
#
# Builds the `coverage` preset (build/coverage), runs the labels that drive the implementation
# (unit, kat, vectors, property, interop, fuzz-replay, and ct, whose valgrind runs are the only
# ones that take the memcheck branches of crypto/constant_time.cpp; not the mutants or the
# proofs, which never call protocol/), merges the profiles and writes
#   build/coverage/summary.txt    llvm-cov's per-file table for protocol/
#   build/coverage/summary.json   the same as `llvm-cov export -summary-only` JSON
#   build/coverage/uncovered.txt  every protocol/ line that no test and no corpus input executes
#   build/coverage/html/index.html
# Exits non-zero when line coverage of protocol/ is below --min-line (default 0: report only).
set -euo pipefail
cd "$(dirname "$0")/.."

min_line=0
scope=full
while [ $# -gt 0 ]; do
  case $1 in
    --min-line) min_line=$2; shift 2 ;;
    --scope) scope=$2; shift 2 ;;
    *) echo "coverage: unknown argument '$1'; usage: bash ci/coverage.sh [--min-line PERCENT] [--scope full|replay]" >&2; exit 2 ;;
  esac
done
if [ "$scope" != full ] && [ "$scope" != replay ]; then
  echo "coverage: --scope is full or replay, not '$scope'" >&2
  exit 2
fi

bash ci/bootstrap.sh
build=build/coverage
if [ "$scope" = full ]; then
  binaries=(unit_tests kat_test kat_xeddsa_libsignal_test vectors_test property_test interop_test
            ct_constant_time_test ct_no_key_left_behind_test ratchetcheck)
else
  binaries=(unit_tests kat_test)
fi
mapfile -t fuzz_targets < <(sed -n 's/^ *ratchetcheck_add_fuzz_target(\([a-z0-9_]*\).*/\1/p' \
  fuzz/CMakeLists.txt)
for target in "${fuzz_targets[@]}"; do binaries+=("fuzz_$target"); done

echo "== coverage: configure and build (${#binaries[@]} programs, clang-14 -fprofile-instr-generate)"
# Configured every time: the preset's flags (-gdwarf-4: valgrind 3.19 cannot read the DWARF 5
# that clang 14 writes by default, and the ct label runs under valgrind) must reach the cache.
cmake --preset coverage >/dev/null
cmake --build "$build" -j2 --target "${binaries[@]}"

echo "== coverage: run the tests and the corpus replay (scope $scope)"
rm -rf "$build/profiles"
mkdir -p "$build/profiles"
runs=()
if [ "$scope" = full ]; then
  test_command=(ctest --preset coverage -L 'unit|kat|vectors|property|interop|fuzz-replay|^ct$'
                -LE 'mutants|proof'
                -E '^(install_and_find_package|standalone_library_configures|fuzz_seed_corpus_complete)$')
  echo "   ${test_command[*]}"
  "${test_command[@]}"
  runs+=("${test_command[*]}")
else
  export LLVM_PROFILE_FILE="$PWD/$build/profiles/%m-%p.profraw"
  run_commands=("$build/bin/unit_tests" "$build/bin/kat_test")
  for target in "${fuzz_targets[@]}"; do
    run_commands+=("$build/bin/fuzz_$target corpus/$target")
  done
  for command in "${run_commands[@]}"; do
    echo "   $command"
    # Word splitting is wanted: each entry is a program and its arguments, none with spaces.
    # shellcheck disable=SC2086
    $command >"$build/profiles/last-run.log" 2>&1 || {
      cat "$build/profiles/last-run.log" >&2
      echo "coverage: '$command' failed" >&2
      exit 1
    }
    runs+=("$command")
  done
fi
python3 - "$scope" "${runs[@]}" >"$build/scope.json" <<'PYTHON'
import json, sys
scope, runs = sys.argv[1], sys.argv[2:]
print(json.dumps({"scope": scope, "runs": runs,
                  "measures": "protocol/src and protocol/include",
                  "left_out": [] if scope == "full" else
                  ["property", "interop", "vectors", "ct", "the CLI"]}, indent=1))
PYTHON

echo "== coverage: merge and report (llvm-profdata-14, llvm-cov-14)"
llvm-profdata-14 merge -sparse "$build"/profiles/*.profraw -o "$build/coverage.profdata"
objects=()
for binary in "${binaries[@]}"; do
  if [ ${#objects[@]} -eq 0 ]; then objects+=("$build/bin/$binary"); else objects+=(-object "$build/bin/$binary"); fi
done
sources=(protocol/src protocol/include)
llvm-cov-14 report -instr-profile="$build/coverage.profdata" "${objects[@]}" "${sources[@]}" \
  >"$build/summary.txt"
llvm-cov-14 export -summary-only -instr-profile="$build/coverage.profdata" "${objects[@]}" \
  "${sources[@]}" >"$build/summary.json"
rm -rf "$build/html"
llvm-cov-14 show -format=html -show-branches=count -instr-profile="$build/coverage.profdata" \
  -output-dir="$build/html" "${objects[@]}" "${sources[@]}"
llvm-cov-14 export -format=lcov -instr-profile="$build/coverage.profdata" "${objects[@]}" \
  "${sources[@]}" >"$build/coverage.lcov"

# Every line with a zero count, with its source text, for the closing note's "why" column.
python3 - "$build/coverage.lcov" "$PWD" >"$build/uncovered.txt" <<'PYTHON'
import sys
lcov_path, root = sys.argv[1], sys.argv[2] + "/"
current = None
uncovered = {}
for line in open(lcov_path):
    line = line.strip()
    if line.startswith("SF:"):
        current = line[3:]
    elif line.startswith("DA:") and current:
        number, count = line[3:].split(",")[:2]
        if int(count) == 0:
            uncovered.setdefault(current, []).append(int(number))
for path in sorted(uncovered):
    source = open(path, errors="replace").read().splitlines()
    for number in sorted(uncovered[path]):
        text = source[number - 1].strip() if number <= len(source) else ""
        print(f"{path.replace(root, '')}:{number}: {text}")
PYTHON

read -r line_percent branch_percent < <(python3 - "$build/summary.json" <<'PYTHON'
import json, sys
totals = json.load(open(sys.argv[1]))["data"][0]["totals"]
print(f'{totals["lines"]["percent"]:.2f} {totals["branches"]["percent"]:.2f}')
PYTHON
)
echo
cat "$build/summary.txt"
echo
echo "coverage of protocol/: lines ${line_percent} %, branches ${branch_percent} %;" \
  "$(wc -l <"$build/uncovered.txt") uncovered lines in $build/uncovered.txt;" \
  "HTML: $build/html/index.html"
echo "re-run: bash ci/coverage.sh --scope $scope --min-line $min_line"
if python3 -c "import sys; sys.exit(0 if float('$line_percent') >= float('$min_line') else 1)"; then
  exit 0
fi
echo "coverage: line coverage ${line_percent} % is below the minimum ${min_line} %" >&2
exit 1

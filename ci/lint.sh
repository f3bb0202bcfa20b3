#!/usr/bin/env bash
# Runs clang-tidy 14 (Debian's clang-tidy, installed by ci/bootstrap.sh) with the repo's
# .clang-tidy over the library and CLI sources, using the compile database of a configured build:
#
#   bash ci/lint.sh [BUILD_DIR]        # BUILD_DIR defaults to build/default
#
# Scope: every tracked .cpp under protocol/src, model/src, harness/src, proofs/src, peers/, cli/,
# evidence/src
# and fuzz/ (and, through HeaderFilterRegex, the project headers they include). tests/ and bench/ are out of scope
# (issue 7, decisions E9): clang 14 cannot compile one test (a lambda capturing a structured
# binding) and test-only code is not shipped; the mutant copies of protocol/src under the build
# tree are generated, not ours to lint.
#
# Prints every finding with the command that re-runs clang-tidy on its translation unit, and exits
# 1 if there is any finding (WarningsAsErrors: '*') or clang-tidy could not process a file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_dir=${1:-build/default}
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || {
  echo "lint: no build directory ${1:-build/default}; run: cmake --preset default" >&2
  exit 2
}
database=$build_dir/compile_commands.json
if [ ! -f "$database" ]; then
  echo "lint: $database missing; configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2
  exit 2
fi

tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$tidy" ]; then
  echo "lint: clang-tidy not found; run: bash ci/bootstrap.sh" >&2
  exit 2
fi

mapfile -t files < <(git ls-files -- 'protocol/src/*.cpp' 'model/src/*.cpp' 'harness/src/*.cpp' \
  'proofs/src/*.cpp' 'peers/*.cpp' 'cli/*.cpp' 'evidence/src/*.cpp' 'fuzz/*.cpp')
if [ ${#files[@]} -eq 0 ]; then
  echo "lint: no source files found" >&2
  exit 2
fi

# Files the build compiles are in the database; the others (cli/no_peer_registry.cpp, built only
# without the peers) get their flags inferred by clang-tidy from a neighbouring entry.
in_database=()
not_in_database=()
for file in "${files[@]}"; do
  if grep -qF "\"file\": \"$root/$file\"" "$database"; then
    in_database+=("$root/$file")
  else
    not_in_database+=("$root/$file")
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/tidy.log
status=0

if command -v run-clang-tidy-14 >/dev/null && [ ${#in_database[@]} -ne 0 ]; then
  # run-clang-tidy takes regular expressions: match each file exactly.
  regexes=()
  for file in "${in_database[@]}"; do
    regexes+=("^$(printf '%s' "$file" | sed 's/[][\.*^$()+?{}|]/\\&/g')\$")
  done
  run-clang-tidy-14 -clang-tidy-binary "$tidy" -p "$build_dir" -j 2 -quiet "${regexes[@]}" \
    >>"$log" 2>&1 || status=1
else
  not_in_database=("${in_database[@]}" "${not_in_database[@]}")
fi
for file in "${not_in_database[@]}"; do
  echo "$tidy -p=$build_dir -quiet $file" >>"$log"
  "$tidy" -p="$build_dir" -quiet "$file" >>"$log" 2>&1 || status=1
done

# One line per finding (a header's finding once, however many files include it), each followed by
# the command that re-runs clang-tidy on the translation unit it was found in.
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk -v tidy="$tidy" -v build="${build_dir#"$root"/}" \
  -v root="$root/" '
  function relative(path) { return index(path, root) == 1 ? substr(path, length(root) + 1) : path }
  # An invocation line (ours or run-clang-tidy-14'"'"'s) names the translation unit last.
  $1 ~ /clang-tidy/ && / -p=/ { unit = relative($NF); next }
  /^[^ ].*:[0-9]+:[0-9]+: (warning|error): / {
    finding = relative($0)
    if (!(finding in seen)) {
      seen[finding] = 1
      print finding
      print "    re-run: " tidy " -p " build " " unit
    }
  }
  /Error while processing|terminated by signal/ { print unit ": " $0 }')

if [ "$status" -ne 0 ] || [ -n "$summary" ]; then
  if [ -n "$summary" ]; then
    printf '%s\n' "$summary"
  else
    sed 's/\x1b\[[0-9;]*m//g' "$log"
  fi
  findings=$(printf '%s\n' "$summary" | grep -c '    re-run: ' || true)
  echo "lint: FAILED, $findings finding(s) (.clang-tidy, WarningsAsErrors: '*'); fix the code, or" \
    "for a false positive add  // NOLINT(check-name): reason  on that line" >&2
  exit 1
fi
echo "lint: ${#files[@]} files clean ($("$tidy" --version | grep -o 'version [0-9.]*'))"

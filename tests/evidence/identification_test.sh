#!/usr/bin/env bash
# The TOE's identification and the key-derivation tree in the evidence pack
# (tests/evidence/CMakeLists.txt, evidence/src/identification.cpp):
#   identification_test.sh SCENARIO RATCHETCHECK BUILD_DIR SOURCE_DIR SHARED_DIR WORK_DIR
# SCENARIO is one of
#   library_hash_is_the_built_library  report.json's toe.library.sha256 is the sha256sum of the
#                                      libratchetcheck_protocol file `find` sees in the build
#                                      tree, and toe.commit / toe.clean_tree agree with git
#   public_api_is_the_installed_headers  toe.public_api lists exactly the headers `cmake
#                                      --install` puts in include/ratchetcheck, with their hashes
#   kdf_tree_follows_the_code          every info string of protocol/src is in kdf-tree.svg; in a
#                                      copy of the source tree with one info string changed, the
#                                      picture shows the new string and no longer the old one
# Each runs `ratchetcheck evidence --only vectors`, which ends INCOMPLETE (exit 3): the exit status
# is not what these scenarios check, only that the pack was written (0, 1 or 3).
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 source=$4 shared=$5 work=$6
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"

# identification_run DIR [ARGS...]: evidence_run with the shared directory; fails unless a
# report.json was written.
identification_run() {
  local out=$1
  shift
  evidence_run "$out" --shared-dir "$shared" "$@" >/dev/null
  case "$status" in 0 | 1 | 3) ;; *) cat "$out.log"; fail "evidence exited $status" ;; esac
  [ -s "$out/report.json" ] || { cat "$out.log"; fail "no report.json in $out"; }
}

# field PATH: a value of the pack's report.json, by a dotted path (python3: ci/bootstrap.sh).
field() {
  python3 - "$work/pack/report.json" "$1" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(json.dumps(value) if isinstance(value, bool) else value)
PY
}

case "$scenario" in
library_hash_is_the_built_library)
  identification_run "$work/pack"
  # The build's own library directory only: the install scenario puts a copy below tests/, and
  # the fuzz-build test builds a whole second tree below fuzz/oss-fuzz-build.
  mapfile -t libraries < <(find "$build/lib" -maxdepth 1 -name 'libratchetcheck_protocol.*' -type f)
  [ "${#libraries[@]}" -eq 1 ] || fail "expected one libratchetcheck_protocol file in $build, found: ${libraries[*]:-none}"
  expected=$(sha256sum "${libraries[0]}" | cut -d' ' -f1)
  reported=$(field 'toe.library.sha256')
  [ "$reported" = "$expected" ] || fail "toe.library.sha256 is $reported; sha256sum ${libraries[0]} is $expected"
  [ "$build/$(field 'toe.library.file')" -ef "${libraries[0]}" ] || fail "toe.library.file names $(field 'toe.library.file'), not ${libraries[0]}"
  grep -q "$expected" "$work/pack/report.html" || fail "report.html does not show the library's hash"
  commit=$(git -C "$source" rev-parse HEAD)
  [ "$(field 'toe.commit')" = "$commit" ] || fail "toe.commit is $(field 'toe.commit'), HEAD is $commit"
  if [ -z "$(git -C "$source" status --porcelain)" ]; then clean=true; else clean=false; fi
  [ "$(field 'toe.clean_tree')" = "$clean" ] || fail "toe.clean_tree is $(field 'toe.clean_tree'), git status says $clean"
  [ "$(field 'toe.version')" = "$(sed -n 's/^project(ratchetcheck VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")" ] ||
    fail "toe.version $(field 'toe.version') is not the CMake project version"
  echo "library ${libraries[0]}: sha256 $expected as reported; commit $commit, clean tree $clean"
  ;;
public_api_is_the_installed_headers)
  identification_run "$work/pack"
  cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install failed"; }
  (cd "$work/prefix/include" && find . -type f | sed 's|^\./||' | sort | xargs sha256sum) \
    | awk '{print $2, $1}' >"$work/installed.txt"
  python3 -c 'import json, sys
for header in json.load(open(sys.argv[1]))["toe"]["public_api"]:
    print(header["header"], header["sha256"])' "$work/pack/report.json" | sort >"$work/reported.txt"
  [ -s "$work/installed.txt" ] || fail "cmake --install installed no header"
  diff -u "$work/installed.txt" "$work/reported.txt" || fail "toe.public_api differs from the installed headers (- installed, + reported)"
  echo "public API: $(wc -l <"$work/reported.txt") headers, as installed"
  ;;
kdf_tree_follows_the_code)
  identification_run "$work/pack" --source-dir "$source"
  [ -s "$work/pack/kdf-tree.svg" ] || fail "no kdf-tree.svg in the pack (is Graphviz dot installed?)"
  mapfile -t infos < <(grep -rhoP 'constexpr\s+std::string_view\s+\w+\s*=\s*"\K[^"]*' "$source/protocol/src" | sort -u)
  [ "${#infos[@]}" -ge 3 ] || fail "found only ${#infos[@]} info strings in protocol/src"
  # Graphviz writes entities (&quot;, &#45; for "-"): compare with the decoded text.
  python3 -c 'import html, sys; print(html.unescape(open(sys.argv[1]).read()))' \
    "$work/pack/kdf-tree.svg" >"$work/kdf-tree.txt"
  for info in "${infos[@]}"; do
    grep -qF "\"$info\"" "$work/kdf-tree.txt" ||
      fail "info string \"$info\" of protocol/src is not in kdf-tree.svg"
    python3 -c 'import json, sys
tree = json.load(open(sys.argv[1]))["crypto"]["kdf_tree"]
sys.exit(0 if sys.argv[2] in [entry["value"] for entry in tree["info_strings"]] else 1)' \
      "$work/pack/report.json" "$info" || fail "info string \"$info\" is not in report.json"
  done
  problems=$(field crypto.kdf_tree.problems)
  [ "$problems" = "[]" ] || fail "KDF tree problems: $problems"
  # A source tree that differs only in one info string: every entry a symbolic link to the real
  # tree except protocol/src, which is copied and changed.
  mkdir -p "$work/source/protocol"
  for entry in "$source"/* "$source"/.git; do
    [ "$(basename "$entry")" = protocol ] || ln -s "$entry" "$work/source/$(basename "$entry")"
  done
  for entry in "$source"/protocol/*; do
    [ "$(basename "$entry")" = src ] || ln -s "$entry" "$work/source/protocol/$(basename "$entry")"
  done
  cp -r "$source/protocol/src" "$work/source/protocol/src"
  changed=$(grep -rlF '"WhisperRatchet"' "$work/source/protocol/src" | sed -n 1p)
  [ -n "$changed" ] || fail "no \"WhisperRatchet\" in protocol/src to change"
  sed -i 's/"WhisperRatchet"/"WhisperRatchetChanged"/' "$changed"
  identification_run "$work/changed" --source-dir "$work/source"
  grep -qF 'WhisperRatchetChanged' "$work/changed/kdf-tree.svg" ||
    fail "the changed info string is not in the picture of the changed tree"
  if grep -qE '(&quot;|")WhisperRatchet(&quot;|")' "$work/changed/kdf-tree.svg"; then
    fail "the picture of the changed tree still shows \"WhisperRatchet\""
  fi
  echo "kdf-tree.svg shows the ${#infos[@]} info strings of the code, and follows a change"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac

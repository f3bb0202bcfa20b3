#!/usr/bin/env bash
# The pack verifiable anywhere and printable (issue 22, part 6; docs/evidence.md):
#   portable_test.sh SCENARIO RATCHETCHECK BUILD_DIR SHARED_DIR WORK_DIR
# SCENARIO is one of
#   checksums_survive_a_move   the pack copied to another directory (and the original removed):
#                              `sha256sum -c SHA256SUMS` passes there with coreutils alone and
#                              covers every file; `--verify` passes on the copy given the roots,
#                              and says which inputs it could not find without them; the source
#                              tree hash and the shared data digests recompute with the
#                              documented recipes; no absolute path in the manifest; the report
#                              shows the --verify and --compare commands; after a one-byte change
#                              of one file both sha256sum -c and --verify fail, naming it
#   pdf_has_the_verdict        report.pdf exists, is listed in SHA256SUMS, page 1 has the verdict,
#                              and every sequence chart's collapsed <details> is printed expanded
#   pdf_missing_is_said        without chromium on PATH: no report.pdf, and report.json and
#                              report.html say why
set -euo pipefail
scenario=$1 ratchetcheck=$2 build=$3 shared=$4 work=$5
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/evidence/evidence_common.sh
source "$(dirname "$0")/evidence_common.sh"

# portable_run DIR [ARGS...]: the fast pack (the transcripts only); its exit status (3, INCOMPLETE,
# since the other checks are skipped) does not matter here.
portable_run() {
  local out=$1
  shift
  evidence_run "$out" --shared-dir "$shared" "$@"
  [ -f "$out/SHA256SUMS" ] || fail "no SHA256SUMS in $out"
}

# json_value FILE EXPRESSION: a value of a JSON file (python3 is in ci/bootstrap.sh).
json_value() {
  python3 -c 'import json, sys; data = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

case "$scenario" in
checksums_survive_a_move)
  portable_run "$work/pack"
  source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  grep -q "^manifest: .*(sha256 [0-9a-f]\{64\}, also in SHA256SUMS)" "$work/pack.log" ||
    fail "the run did not print the manifest's SHA-256"
  manifest_hash=$(sed -n 's/.*(sha256 \([0-9a-f]\{64\}\), also in SHA256SUMS).*/\1/p' "$work/pack.log")
  grep -q "^$manifest_hash  manifest.json\$" "$work/pack/SHA256SUMS" ||
    fail "SHA256SUMS does not hold the printed manifest hash"

  # Move the pack: a copy elsewhere, one level deeper, the original removed.
  mkdir -p "$work/elsewhere/deeper"
  cp -r "$work/pack" "$work/elsewhere/deeper/copy"
  rm -rf "$work/pack"
  copy="$work/elsewhere/deeper/copy"
  (cd "$copy" && sha256sum --strict -c SHA256SUMS >"$work/sums.log") ||
    { cat "$work/sums.log"; fail "sha256sum -c fails on the moved pack"; }
  files=$(cd "$copy" && find . -type f ! -name SHA256SUMS | wc -l)
  [ "$(wc -l <"$copy/SHA256SUMS")" -eq "$files" ] || fail "SHA256SUMS does not list all $files files"
  echo "sha256sum -c: $files files OK on the moved pack"

  # Nothing absolute in the manifest, nor in the report's roots and commands.
  python3 - "$copy/manifest.json" "$copy/report.json" <<'PY' || fail "an absolute path in the pack"
import json, sys
def strings(value, where):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{where}[{index}]")
    elif isinstance(value, str):
        yield where, value
manifest = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
bad = [(where, text) for where, text in strings(manifest, "manifest") if text.startswith("/")]
bad += [(where, text) for where, text in strings(report["verification"], "verification") if "/" + "work" in text or text.startswith("/")]
bad += [(where, text) for where, text in strings(report["environment"]["paths"], "paths") if text.startswith("/")]
for where, text in bad:
    print(f"absolute: {where} = {text}")
sys.exit(1 if bad else 0)
PY

  # The recorded provenance recomputes with the documented recipes (docs/evidence.md).
  recorded=$(json_value "$copy/manifest.json" 'data["source_tree"]["content_sha256"]')
  recomputed=$(cd "$source_dir" && git ls-files -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  [ "$recorded" = "$recomputed" ] || fail "source tree hash $recorded, recomputed $recomputed"
  [ "$(json_value "$copy/manifest.json" 'data["source_tree"]["commit"]')" = "$(git -C "$source_dir" rev-parse HEAD)" ] ||
    fail "the manifest's commit is not HEAD"
  for directory in vectors wycheproof; do
    recorded=$(json_value "$copy/manifest.json" \
      "[d['sha256'] for d in data['shared_data'] if d['directory'] == '$directory'][0]")
    recomputed=$(cd "$shared" && find "$directory" -type f -print0 | LC_ALL=C sort -z |
      xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
    [ "$recorded" = "$recomputed" ] || fail "shared $directory: $recorded, recomputed $recomputed"
  done
  echo "the source tree hash and the shared data digests recompute with the documented recipes"

  # The report shows how to verify and compare, in JSON and in HTML.
  for command in checksums verify compare; do
    json_value "$copy/report.json" "data['verification']['commands']['$command']" >/dev/null ||
      fail "report.json has no $command command"
  done
  grep -q 'sha256sum -c SHA256SUMS' "$copy/report.html" || fail "report.html lacks sha256sum -c"
  grep -q 'evidence --verify ' "$copy/report.html" || fail "report.html lacks --verify"
  grep -q 'evidence --out [^ ]* --compare ' "$copy/report.html" || fail "report.html lacks --compare"

  # --verify on the moved copy: without roots it checks the pack and names what it could not find;
  # with them, everything.
  set +e
  "$ratchetcheck" evidence --verify "$copy" >"$work/verify-bare.log" 2>&1
  status=$?
  set -e
  cat "$work/verify-bare.log"
  [ "$status" -eq 3 ] || fail "--verify without roots exited $status, expected 3 (inputs not found)"
  grep -q '^source root: NOT FOUND' "$work/verify-bare.log" || fail "--verify did not say the source root is missing"
  grep -q 'input not checked, root not found: source root: corpus' "$work/verify-bare.log" ||
    fail "--verify did not name the inputs it could not check"
  "$ratchetcheck" evidence --verify "$copy" --source-dir "$source_dir" --shared-dir "$shared" \
    --build-dir "$build" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "--verify fails on the moved pack"; }
  grep -q '^verify: OK' "$work/verify.log" || fail "no verify: OK"
  echo "--verify: OK on the moved pack with its roots; INCOMPLETE, naming them, without"

  # One byte of one file (the vectors log), in place.
  python3 - "$copy/logs/vectors.log" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
data[0] ^= 1
open(path, 'wb').write(bytes(data))
PY
  set +e
  (cd "$copy" && sha256sum -c --quiet SHA256SUMS) >"$work/sums-bad.log" 2>&1
  status=$?
  set -e
  cat "$work/sums-bad.log"
  [ "$status" -ne 0 ] || fail "sha256sum -c passes after a one-byte change"
  grep -q 'logs/vectors.log: FAILED' "$work/sums-bad.log" || fail "sha256sum -c did not name the file"
  set +e
  "$ratchetcheck" evidence --verify "$copy" --source-dir "$source_dir" --shared-dir "$shared" \
    --build-dir "$build" >"$work/verify-bad.log" 2>&1
  status=$?
  set -e
  cat "$work/verify-bad.log"
  [ "$status" -eq 1 ] || fail "--verify exited $status after a one-byte change, expected 1"
  grep -q 'output changed: logs/vectors.log' "$work/verify-bad.log" || fail "--verify did not name the file"
  echo "a one-byte change fails sha256sum -c and --verify"
  ;;
pdf_has_the_verdict)
  command -v chromium >/dev/null || fail "chromium is not installed (apt-get install -y chromium)"
  command -v pdftotext >/dev/null || fail "pdftotext is not installed (apt-get install -y poppler-utils)"
  portable_run "$work/pack"
  pdf="$work/pack/report.pdf"
  [ -s "$pdf" ] || fail "no report.pdf"
  [ "$(head -c 5 "$pdf")" = "%PDF-" ] || fail "report.pdf is not a PDF"
  grep -q '  report.pdf$' "$work/pack/SHA256SUMS" || fail "SHA256SUMS does not cover report.pdf"
  [ "$(json_value "$work/pack/report.json" 'data["pictures"]["pdf"]')" = "report.pdf" ] ||
    fail "report.json does not record report.pdf"
  grep -q '^        re-run: .*chromium .*--print-to-pdf=' "$work/pack.log" || fail "no re-run command for the PDF"
  pdftotext -f 1 -l 1 "$pdf" "$work/page1.txt"
  grep -q 'Verdict:' "$work/page1.txt" || { cat "$work/page1.txt"; fail "page 1 has no verdict"; }
  # Every chart sits in a <details>, all but the first collapsed on screen: printed, each shows its
  # replay command.
  pdftotext "$pdf" "$work/all.txt"
  charts=$(json_value "$work/pack/report.json" 'data["pictures"]["sequence_charts"]')
  # (lines joined: a long paragraph wraps anywhere)
  printed=$(tr -s '\n ' '  ' <"$work/all.txt" | grep -o 'ratchetcheck replay' | wc -l)
  [ "$charts" -ge 2 ] || fail "fewer than two sequence charts: nothing collapsed to check"
  [ "$printed" -ge "$charts" ] || fail "only $printed of $charts charts printed expanded"
  echo "report.pdf: $(pdfinfo "$pdf" | sed -n 's/^Pages: *//p') pages, the verdict on page 1, $charts charts expanded"
  ;;
pdf_missing_is_said)
  # A PATH with everything of /usr/bin and /bin but chromium.
  mkdir -p "$work/bin"
  for tool in /usr/bin/* /bin/*; do
    name=$(basename "$tool")
    [ "$name" = chromium ] || [ -e "$work/bin/$name" ] || ln -s "$tool" "$work/bin/$name"
  done
  PATH="$work/bin" portable_run "$work/pack"
  [ ! -e "$work/pack/report.pdf" ] || fail "a report.pdf without chromium"
  note=$(json_value "$work/pack/report.json" 'data["pictures"]["pdf"]')
  case "$note" in
  "not available"*chromium*) ;;
  *) fail "report.json's pictures.pdf is '$note'" ;;
  esac
  grep -q 'report.pdf: not available' "$work/pack/report.html" || fail "report.html does not say the PDF is missing"
  (cd "$work/pack" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c fails on a pack without PDF"
  echo "without chromium: no report.pdf, and the pack says why ($note)"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac

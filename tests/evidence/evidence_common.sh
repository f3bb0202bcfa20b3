# Helpers shared by the evidence scenario scripts (sourced, not run). They read the caller's
# $ratchetcheck and $build.

fail() { echo "FAIL: $*" >&2; exit 1; }

# evidence_run DIR [ARGS...]: the fast pack (the transcripts only) in DIR, its output in DIR.log
# and on stdout, the exit status in $status (the run itself never stops the script).
evidence_run() {
  local out=$1
  shift
  set +e
  "$ratchetcheck" evidence --only vectors --build-dir "$build" --out "$out" "$@" >"$out.log" 2>&1
  status=$?
  set -e
  cat "$out.log"
}

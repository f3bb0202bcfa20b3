#!/usr/bin/env bash
# Re-checks proof certificates with two independent solvers: every DIR/*.smt2 written by
# `ratchetcheck prove --smt2-dir DIR` must be answered `unsat` by the stock z3 and cvc5
# command-line solvers (Debian packages z3 and cvc5), each within TIMEOUT seconds.
#
#   bash proofs/scripts/check-certificates.sh DIR [TIMEOUT]
#
# z3 runs with smt.macro_finder=true, the option the prover itself uses (docs/proofs.md,
# "Certificates"), cvc5 with no option at all; the files declare their logic (set-logic UFLIA) and
# contain no solver-specific syntax. Runs one solver process per core.
# Prints one line per certificate (file, each solver's answer and seconds), the exact command that
# re-runs any failure, the slowest re-check of each solver, and a summary; exits 1 if any answer is
# not unsat, 2 on a usage error or a missing solver.
set -uo pipefail

directory=${1:-}
timeout_seconds=${2:-10}
if [ -z "$directory" ] || [ ! -d "$directory" ]; then
  echo "usage: $0 DIR [TIMEOUT]  (DIR holds the .smt2 files of ratchetcheck prove --smt2-dir)" >&2
  exit 2
fi
for solver in z3 cvc5; do
  if ! command -v "$solver" >/dev/null; then
    echo "check-certificates: $solver not found; install it with: apt-get install $solver" >&2
    exit 2
  fi
done
shopt -s nullglob
files=("$directory"/*.smt2)
if [ ${#files[@]} -eq 0 ]; then
  echo "check-certificates: no .smt2 file in $directory" >&2
  exit 2
fi

# check_one FILE: prints "FILE z3-answer z3-seconds cvc5-answer cvc5-seconds". The answer is the
# solver's whole output, standard error included: a certificate answered `unsat` with a warning
# beside it (cvc5 warns when no set-logic is given) is reported as `unsat+output`, not unsat.
check_one() {
  local file=$1 line=$1
  local start end output answer
  for solver in "z3 smt.macro_finder=true" "cvc5"; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086 # the solver string is a command with its options
    output=$(timeout "$timeout_seconds" $solver "$file" 2>&1)
    end=$(date +%s.%N)
    answer=$(head -n 1 <<<"$output")
    if [ "$(wc -l <<<"$output")" -gt 1 ]; then
      answer=$(grep -xE 'unsat|sat|unknown' <<<"$output" | head -n 1)
      answer="${answer:-no-answer}+output"
    fi
    [ -n "$answer" ] || answer=timeout
    answer=${answer// /_}
    line="$line $answer $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')"
  done
  echo "$line"
}
export -f check_one
export timeout_seconds

results=$(printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$(nproc)" bash -c 'check_one "$0"' |
  sort)
printf '%-72s %-16s %-16s\n' certificate z3 cvc5
failures=0
while read -r file z3_answer z3_seconds cvc5_answer cvc5_seconds; do
  printf '%-72s %-16s %-16s\n' "$(basename "$file")" "$z3_answer $z3_seconds" \
    "$cvc5_answer $cvc5_seconds"
  if [ "$z3_answer" != unsat ]; then
    echo "  re-run: z3 smt.macro_finder=true $file"
    failures=$((failures + 1))
  fi
  if [ "$cvc5_answer" != unsat ]; then
    echo "  re-run: cvc5 $file"
    failures=$((failures + 1))
  fi
done <<<"$results"
slowest() { sort -k"$1" -g -r <<<"$results" | head -n 1 | awk -v f="$1" '{ print $f " s (" $1 ")" }'; }
echo "slowest z3: $(slowest 3)"
echo "slowest cvc5: $(slowest 5)"
echo "${#files[@]} certificates, each re-checked by z3 and cvc5; $failures answers not unsat"
[ "$failures" -eq 0 ]

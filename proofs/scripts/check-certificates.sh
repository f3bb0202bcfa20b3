#!/usr/bin/env bash
# Re-checks proof certificates with two independent solvers: every DIR/*.smt2 written by
# `ratchetcheck prove --smt2-dir DIR` must be answered `unsat` by the stock z3 and cvc5
# command-line solvers (Debian packages z3 and cvc5), each within TIMEOUT seconds.
#
#   bash proofs/scripts/check-certificates.sh DIR [TIMEOUT]
#
# z3 runs with smt.macro_finder=true, the option the prover itself uses (docs/proofs.md,
# "Certificates"); the files contain no solver-specific syntax. Prints one line per certificate
# (file, each solver's answer and seconds), the exact command that re-runs any failure, and a
# summary; exits 1 if any answer is not unsat, 2 on a usage error or a missing solver.
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

run_solver() {  # prints "answer seconds"
  local start end answer
  start=$(date +%s.%N)
  answer=$(timeout "$timeout_seconds" "$@" 2>/dev/null | head -n 1)
  end=$(date +%s.%N)
  [ -n "$answer" ] || answer=timeout
  printf '%s %s' "$answer" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')"
}

failures=0
slowest_z3=0
slowest_cvc5=0
printf '%-72s %-16s %-16s\n' certificate z3 cvc5
for file in "${files[@]}"; do
  read -r z3_answer z3_seconds <<<"$(run_solver z3 smt.macro_finder=true "$file")"
  read -r cvc5_answer cvc5_seconds <<<"$(run_solver cvc5 --quiet "$file")"
  printf '%-72s %-16s %-16s\n' "$(basename "$file")" "$z3_answer $z3_seconds" \
    "$cvc5_answer $cvc5_seconds"
  slowest_z3=$(awk -v a="$z3_seconds" -v b="$slowest_z3" 'BEGIN { print (a > b ? a : b) }')
  slowest_cvc5=$(awk -v a="$cvc5_seconds" -v b="$slowest_cvc5" 'BEGIN { print (a > b ? a : b) }')
  if [ "$z3_answer" != unsat ]; then
    echo "  re-run: z3 smt.macro_finder=true $file" >&2
    failures=$((failures + 1))
  fi
  if [ "$cvc5_answer" != unsat ]; then
    echo "  re-run: cvc5 $file" >&2
    failures=$((failures + 1))
  fi
done
echo "${#files[@]} certificates; slowest z3 ${slowest_z3} s, cvc5 ${slowest_cvc5} s; $failures answers not unsat"
[ "$failures" -eq 0 ]

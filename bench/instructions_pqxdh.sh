#!/usr/bin/env bash
# Instructions per PQXDH setup, ours against its floor, counted by valgrind's callgrind: a ratio
# that the load of a shared machine cannot move, beside the CPU-time ratios of bench/compare_pqxdh
# (docs/benchmarks.md, "PQXDH").
#
#   bash bench/instructions_pqxdh.sh [RATCHET_BENCH]   (default build/default/bin/ratchet_bench)
#
# Each benchmark runs as repetitions of one iteration each (a minimum time of 1 ns stops Google
# Benchmark after its first iteration; REPETITIONS, default 20, after 5 not counted), and callgrind counts only inside the functions one
# iteration calls (--toggle-collect): ours' initiate() (initiate_session and the first encrypt) and
# respond() (the first decrypt); the floor's initiator_floor() and responder_floor(). Making the
# parties, the fixture and the keys is outside them, as it is outside the timed region. Under
# valgrind the CPU features differ (OpenSSL does not see the SHA extensions), so the counts are
# for comparing ours with the floor, not for predicting times.
set -euo pipefail

binary=${1:-build/default/bin/ratchet_bench}
repetitions=${REPETITIONS:-20}
if [[ ! -x $binary ]]; then
  echo "no ratchet_bench at $binary: build the ratchet_bench target, or pass its path" >&2
  exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bench_namespace='ratchetcheck::bench::(anonymous namespace)::'

# total REPETITIONS BENCHMARK FUNCTION...: the instructions counted inside the FUNCTIONs (names in
# pqxdh_benchmark.cpp's anonymous namespace) over REPETITIONS one-iteration runs.
total() {
  local repetitions=$1 benchmark=$2
  shift 2
  local toggles=()
  for function in "$@"; do
    toggles+=("--toggle-collect=${bench_namespace}${function}(*")
  done
  valgrind --tool=callgrind --collect-atstart=no "${toggles[@]}" \
    --callgrind-out-file="$work/out" "$binary" "--benchmark_filter=^${benchmark}\$" \
    --benchmark_min_time=0.000000001 "--benchmark_repetitions=$repetitions" \
    >/dev/null 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
  if grep -q "ERROR OCCURRED" "$work/log"; then
    cat "$work/log" >&2
    exit 1
  fi
  local sum
  sum=$(callgrind_annotate "$work/out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  if [[ ! $sum =~ ^[0-9]+$ || $sum -eq 0 ]]; then
    echo "callgrind counted nothing in $* for $benchmark: was a function renamed or inlined?" >&2
    exit 1
  fi
  echo "$sum"
}

# count BENCHMARK FUNCTION...: instructions per iteration in the steady state. The first call of
# some primitives initialises them (libsodium's and OpenSSL's lazy set-up, cached keyed states),
# so the count of a few iterations is not the count of one: the difference between a run of
# `first` and a run of `first + repetitions` iterations, divided by `repetitions`, leaves it out.
count() {
  local first=5
  local short long
  short=$(total "$first" "$@")
  long=$(total $((first + repetitions)) "$@")
  echo $(((long - short) / repetitions))
}

printf 'callgrind: instructions per iteration, steady state (%d iterations after 5)\n\n' "$repetitions"
printf '%-32s %12s %12s %10s\n' part ours floor ours/floor
for part in setup initiator responder; do
  echo "counting pqxdh_$part ..." >&2
  case $part in
    setup)
      ours=$(count pqxdh_setup/ours initiate respond)
      floor=$(count pqxdh_setup/floor initiator_floor responder_floor) ;;
    initiator)
      ours=$(count pqxdh_initiator/ours initiate)
      floor=$(count pqxdh_initiator/floor initiator_floor) ;;
    responder)
      ours=$(count pqxdh_responder/ours respond)
      floor=$(count pqxdh_responder/floor responder_floor) ;;
  esac
  printf '%-32s %12d %12d %10s\n' "pqxdh_$part" "$ours" "$floor" \
    "$(awk -v ours="$ours" -v floor="$floor" 'BEGIN { printf "%.3f", ours / floor }')"
done
v3=$(count x3dh_setup/ours initiate respond)
v4=$(count pqxdh_setup/ours initiate respond)
printf '\nours, setup: signal-v3 (X3DH) %d, signal-v4-pqxdh %d, v4/v3 %s\n' "$v3" "$v4" \
  "$(awk -v v3="$v3" -v v4="$v4" 'BEGIN { printf "%.3f", v4 / v3 }')"
echo
echo "re-run: bash bench/instructions_pqxdh.sh $binary"

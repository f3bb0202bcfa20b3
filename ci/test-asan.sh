#!/usr/bin/env bash
# Builds the asan preset and runs its whole test suite. Property-test counts are lowered under
# the sanitizers (they run ~10x slower); the default preset keeps the full counts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/bootstrap.sh
export RATCHETCHECK_SANITIZED_RUN=1
cmake --workflow --preset asan

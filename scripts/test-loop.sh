#!/usr/bin/env bash
# Runs `npm test` several times in a row while CPU-heavy processes run alongside, as on a busy two-core CI
# machine, and stops at the first failure: a test that depends on timing shows up here, not in CI.
#
#   scripts/test-loop.sh [RUNS] [-- JEST_ARGS...]     RUNS defaults to 5; LOAD (default 1) busy processes
#
# e.g. scripts/test-loop.sh 3 -- __tests__/e2e/action-lifecycle.test.ts   (only some test files)
set -euo pipefail

runs=5
if [[ $# -gt 0 && $1 != -- ]]; then
  runs=$1
  shift
fi
[[ ${1:-} == -- ]] && shift
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "test-loop: RUNS must be a positive whole number, got '$runs'" >&2
  exit 2
fi
load=${LOAD:-1}
if ! [[ $load =~ ^[0-9]+$ ]]; then
  echo "test-loop: LOAD must be a whole number of busy processes, got '$load'" >&2
  exit 2
fi

cd "$(dirname "$0")/.."

busy=()
stop_load() {
  if [[ ${#busy[@]} -gt 0 ]]; then kill "${busy[@]}" 2>/dev/null || true; fi
}
trap stop_load EXIT
for ((i = 0; i < load; i++)); do
  node -e 'for (;;) {}' &
  busy+=("$!")
done

for ((run = 1; run <= runs; run++)); do
  echo "test-loop: run $run of $runs, with $load CPU-heavy process(es) alongside"
  started=$SECONDS
  if ! npm test -- "$@"; then
    echo "test-loop: run $run of $runs FAILED after $((SECONDS - started))s" >&2
    exit 1
  fi
  echo "test-loop: run $run of $runs passed in $((SECONDS - started))s"
done
echo "test-loop: all $runs runs passed"

#!/usr/bin/env bash
# Runs the MPI tests in test-mpi/ as a singleton (plain node) and under the MPI launcher with
# 1, 2 and 4 ranks. Builds nothing: run `npm run build` (and have the addon built) first.
# Environment:
#   MPI_NAPI_BINDING   which addon build to load (see packages/mpi-napi/README.md), e.g. mpich
#   MPI_TEST_LAUNCHER  the launcher (default: mpirun); Open MPI and MPICH's hydra are recognised
#   MPI_TEST_FILTER    only run test files whose name contains this text
set -uo pipefail

cd "$(dirname "$0")/.."
launcher="${MPI_TEST_LAUNCHER:-mpirun}"
timeout_s=120
passed=0
failed=0

if ! command -v "$launcher" > /dev/null; then
  echo "mpi: 0 passed, 0 failed (skipped: no $launcher; apt-get install openmpi-bin libopenmpi-dev)"
  exit 0
fi
if [ ! -f packages/mpi-napi/dist/src/index.js ]; then
  echo "test-mpi: packages/mpi-napi is not compiled; run npm run build first" >&2
  exit 1
fi
if ! node -e "import('mpi-napi').then((m) => process.exit(m.isAvailable() ? 0 : 1))"; then
  echo "test-mpi: the mpi-napi addon is not built; run npm rebuild mpi-napi (or npm run test:mpich for MPICH)" >&2
  exit 1
fi

source scripts/mpi-launch.sh
launch=("${MPI_LAUNCH[@]}")

run() {
  local label="$1"
  shift
  local log started elapsed
  log="$(mktemp)"
  started=$EPOCHREALTIME
  if timeout "$timeout_s" "$@" > "$log" 2>&1; then
    passed=$((passed + 1))
    elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    printf 'ok    %-24s %5ss\n' "$label" "$elapsed"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$label"
    sed 's/^/      /' "$log" | tail -n 40
  fi
  rm -f "$log"
}

for test_file in test-mpi/*.mjs; do
  name="$(basename "$test_file")"
  [ "$name" = harness.mjs ] && continue
  [[ "$name" == *"${MPI_TEST_FILTER:-}"* ]] || continue
  run "$name singleton" node "$test_file"
  for np in 1 2 4; do
    run "$name np=$np" "${launch[@]}" -n "$np" node "$test_file"
  done
done

echo "mpi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

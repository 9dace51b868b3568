#!/usr/bin/env bash
# Distributed jit() under the MPI launcher: 6 ranks, ranks 2k and 2k+1 sharing the cache dir node-k;
# many calls in flight at once (many.mjs); 8 ranks with several signatures in flight; then a job in which one rank dies must end within a
# bound instead of hanging.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-launch.sh
timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/distributed.mjs "$@"
timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/many.mjs
timeout 600 "${MPI_LAUNCH[@]}" -n 8 node test-mpi/jit/stress.mjs

started=$(date +%s)
status=0
timeout 120 "${MPI_LAUNCH[@]}" -n 4 node test-mpi/jit/rank-dies.mjs >/dev/null 2>&1 || status=$?
elapsed=$(($(date +%s) - started))
rm -rf /tmp/dijitso-rank-dies-*
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$elapsed" -lt 60 ]; then
  echo "ok - a killed rank ends the job (exit $status after ${elapsed}s)"
else
  echo "not ok - a killed rank should end the job within 60 s (exit $status after ${elapsed}s)"
  exit 1
fi

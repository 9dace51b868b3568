#!/usr/bin/env bash
# Point-to-point latency and bandwidth, and allreduce of a 1 Mi-element Float64Array: mpi-napi
# against mpi4py on the same MPI, 2 ranks, in one run. Not part of CI.
# Usage: bash bench/mpi/run.sh [rounds]   (default 3; needs python3-mpi4py; writes bench/results/mpi.json)
set -euo pipefail

cd "$(dirname "$0")/../.."
rounds="${1:-3}"
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/mpi: expected a positive number of rounds but received '$rounds'" >&2
  exit 2
fi
python=/usr/bin/python3
if ! "$python" -c 'import mpi4py' 2> /dev/null; then
  echo "bench/mpi needs mpi4py for the system python: apt-get install -y python3-mpi4py" >&2
  exit 1
fi
if [ ! -f packages/mpi-napi/dist/src/index.js ]; then
  echo "bench/mpi: packages/mpi-napi is not compiled; run npm run build first" >&2
  exit 1
fi

source scripts/mpi-launch.sh
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
# Rounds alternate the two implementations, so a noisy moment on a shared machine hits both.
for round in $(seq "$rounds"); do
  echo "bench/mpi: round $round of $rounds" >&2
  "${MPI_LAUNCH[@]}" -n 2 "$python" bench/mpi/mpi4py_ref.py bench/mpi/plan.json >> "$raw"
  "${MPI_LAUNCH[@]}" -n 2 node bench/mpi/mpi_napi.mjs bench/mpi/plan.json >> "$raw"
done
mkdir -p bench/results
node bench/mpi/report.mjs "$raw" bench/results/mpi.json

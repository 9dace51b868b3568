#!/usr/bin/env bash
# bcast bandwidth and latency, mpi-napi against mpi4py's Bcast on the same MPI, 2 and 4 ranks.
# Usage: bash bench/bcast/run.sh [--quick]   (needs python3-mpi4py; writes bench/results/bcast.json)
set -euo pipefail

cd "$(dirname "$0")/../.."
mode=full
[ "${1:-}" = --quick ] && mode=quick
python=/usr/bin/python3
if ! "$python" -c 'import mpi4py' 2> /dev/null; then
  echo "bench:bcast needs mpi4py for the system python: apt-get install -y python3-mpi4py" >&2
  exit 1
fi

launch=(mpirun)
if mpirun --version 2>&1 | grep -q 'Open MPI'; then
  [ "$(id -u)" = 0 ] && launch+=(--allow-run-as-root)
  launch+=(--oversubscribe)
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
fi

raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
# Two alternating rounds per implementation; the report keeps each case's best, so a noisy
# moment on a small machine does not decide a ratio.
for round in 1 2; do
  for np in 2 4; do
    echo "bench:bcast: round $round, $np ranks ($mode)" >&2
    "${launch[@]}" -n "$np" "$python" bench/bcast/bcast_mpi4py.py bench/bcast/sizes.json "$mode" >> "$raw"
    "${launch[@]}" -n "$np" node bench/bcast/bcast.mjs bench/bcast/sizes.json "$mode" >> "$raw"
  done
done
mkdir -p bench/results
node bench/bcast/report.mjs "$raw" "$mode" bench/results/bcast.json

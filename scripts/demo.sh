#!/usr/bin/env bash
# npm run demo: set up, then
#   1. a single process jits, calls and times a generated kernel; a second process hits the cache;
#   2. an MPI job of 4 ranks on two simulated node disks jits collectively (root strategy): one
#      compile, the other disk receives the binary; then the same job again, warm.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/demo/local.mjs
source scripts/mpi-launch.sh
cache=$(mktemp -d /tmp/dijitso-demo-mpi-XXXX)
trap 'rm -rf "$cache"' EXIT
"${MPI_LAUNCH[@]}" -n 4 node scripts/demo/mpi.mjs "$cache" "MPI job, cold caches"
"${MPI_LAUNCH[@]}" -n 4 node scripts/demo/mpi.mjs "$cache" "the same MPI job again, warm"

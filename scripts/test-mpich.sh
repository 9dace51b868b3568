#!/usr/bin/env bash
# Builds the mpi-napi addon against MPICH in its own directory (packages/mpi-napi/build-mpich,
# next to the default Open MPI build) and runs the MPI tests with MPICH's launcher.
set -euo pipefail

cd "$(dirname "$0")/.."
if ! command -v mpicc.mpich > /dev/null || ! command -v mpiexec.hydra > /dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-mpich: MPICH is missing; install it with: sudo apt-get install -y mpich libmpich-dev" >&2
    exit 1
  fi
  apt-get install -y mpich libmpich-dev
fi

echo "test-mpich: building packages/mpi-napi/build-mpich with mpicc.mpich"
node packages/mpi-napi/scripts/install.mjs --mpicc mpicc.mpich --out build-mpich > /tmp/mpi-napi-mpich-build.log 2>&1 || {
  tail -n 40 /tmp/mpi-napi-mpich-build.log >&2
  exit 1
}
MPI_NAPI_BINDING=mpich MPI_TEST_LAUNCHER=mpiexec.hydra bash scripts/test-mpi.sh

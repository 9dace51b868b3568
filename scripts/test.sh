#!/usr/bin/env bash
# The project's test command (npm test): setup, lint, format check, unit and end-to-end tests,
# the MPI binding's tests, distributed jit() under mpirun, and (as root) the multi-host cluster,
# in network namespaces and in Docker containers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint" && npx eslint .
echo "== format" && npx prettier --check . >/dev/null && echo "prettier: all files formatted"
echo "== unit and end-to-end tests" && npm run --silent test:unit
echo "== mpi-napi under mpirun" && bash scripts/test-mpi.sh
echo "== distributed jit() under mpirun" && bash scripts/test-mpi-jit.sh
echo "== cluster of namespaced hosts" && bash scripts/test-cluster.sh
echo "== cluster of containers (docker/)"
if [ "$(id -u)" = 0 ]; then
  bash scripts/test-docker.sh
else
  echo "docker: skipped (needs root to start a Docker engine and make its base image; run npm run test:docker as root)"
fi

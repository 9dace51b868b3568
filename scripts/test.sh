#!/usr/bin/env bash
# The project's test command (npm test): setup, lint, format check, unit tests, MPI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint" && npx eslint .
echo "== format" && npx prettier --check . >/dev/null && echo "prettier: all files formatted"
echo "== unit tests" && npm run --silent test:unit

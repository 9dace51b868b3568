#!/usr/bin/env bash
# npm run bench [-- --quick]: set up, then run every benchmark; results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bench/local/run.mjs "$@"

#!/usr/bin/env bash
# npm run demo: set up, then jit, call and time a generated kernel; a second process hits the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/demo/local.mjs

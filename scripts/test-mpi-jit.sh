#!/usr/bin/env bash
# Distributed jit() under the MPI launcher: 6 ranks, ranks 2k and 2k+1 sharing the cache dir node-k;
# many calls in flight at once (many.mjs); 8 ranks with several signatures in flight; the two-tier
# cache (node dirs in front of a shared tier, then that tier read-only); then a job in which one rank
# dies must end within a bound instead of hanging.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-launch.sh
timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/distributed.mjs "$@"
timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/many.mjs
timeout 600 "${MPI_LAUNCH[@]}" -n 8 node test-mpi/jit/stress.mjs

# Two tiers: empty everywhere, then fresh node dirs and the warm shared tier (under strace when it is
# installed, counting the processes that open the shared tier's library), then the shared tier
# read-only, warm and without the library (a read-only bind mount in each rank's mount namespace).
tier=$(mktemp -d "${TMPDIR:-/tmp}/dijitso-tier-XXXXXX")
trap 'rm -rf "$tier"' EXIT
timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/shared-tier.mjs "$tier" empty
if command -v strace >/dev/null; then
  timeout 600 strace -f -qq -e trace=open,openat -o "$tier/opens" \
    "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/shared-tier.mjs "$tier" warm
  openers=$({ grep -F "\"$tier/shared/lib/" "$tier/opens" || true; } | { grep '\.so"' || true; } |
    awk '{print $1}' | sort -u | wc -l)
  if [ "$openers" -eq 1 ]; then
    echo "ok - two tiers: one process of the job opened the shared tier's library"
  else
    echo "not ok - two tiers: $openers processes opened the shared tier's library, expected 1"
    exit 1
  fi
else
  timeout 600 "${MPI_LAUNCH[@]}" -n 6 node test-mpi/jit/shared-tier.mjs "$tier" warm
  echo "ok - two tiers: processes that open the shared library # SKIP strace is not installed"
fi
if [ "$(id -u)" = 0 ]; then
  timeout 600 "${MPI_LAUNCH[@]}" -n 6 unshare --mount sh -c 'mount --bind -o ro "$0" "$0" && exec "$@"' \
    "$tier/shared" node test-mpi/jit/shared-tier.mjs "$tier" ro-warm ro-empty
else
  echo "ok - two tiers: read-only shared tier # SKIP needs root for a read-only bind mount"
fi
rm -rf "$tier"

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

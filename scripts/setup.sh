#!/usr/bin/env bash
# Idempotent setup, quick when already done: system packages when missing, npm ci when the
# lockfile or a package manifest changed, then an incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v mpicc >/dev/null 2>&1 || missing+=(openmpi-bin libopenmpi-dev)
# The cluster suite's sshfs variant (root only, like the cluster itself).
if [ "$(id -u)" = 0 ]; then
  command -v sshfs >/dev/null 2>&1 || missing+=(sshfs)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

stamp=node_modules/.setup-stamp
want=$({ cat package-lock.json packages/*/package.json; command -v mpicc || true; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
# The MPI addon is built by npm ci when MPI is present; build it if MPI arrived later.
if command -v mpicc >/dev/null 2>&1 && [ ! -f packages/mpi-napi/build/Release/mpi_napi.node ]; then
  echo "setup: building the mpi-napi addon" >&2
  npm rebuild mpi-napi --foreground-scripts >/dev/null
fi
npm run --silent build

#!/usr/bin/env bash
# Idempotent setup, quick when already done: system packages when missing, npm ci when the
# lockfile or a package manifest changed, then an incremental build.
# With --docker it installs only what npm run test:docker needs (a Docker engine, compose, debootstrap),
# with --sshfs what the cluster suite on sshfs needs (sshfs, openssh-server).
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs the named Debian packages with apt when root; otherwise says what to install.
install_packages() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $*" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
      echo "setup: apt-get could not install $*; install them by hand" >&2
      return 1
    }
  else
    echo "setup: missing $*; install them with: sudo apt-get install $*" >&2
  fi
}

# The cluster suite's sshfs variant: sshfs, and an sshd binary its harness starts by itself. A
# policy-rc.d keeps apt from starting the system's own sshd on port 22 while it installs.
if [ "${1:-}" = --sshfs ]; then
  missing=()
  command -v sshfs >/dev/null 2>&1 || missing+=(sshfs)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    policy=
    if [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
    fi
    status=0
    install_packages "${missing[@]}" || status=$?
    [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
    exit "$status"
  fi
  exit 0
fi

if [ "${1:-}" = --docker ]; then
  missing=()
  if ! command -v dockerd >/dev/null 2>&1 && ! timeout 20 docker info >/dev/null 2>&1; then
    missing+=(docker.io)
  fi
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then install_packages "${missing[@]}"; fi
  exit 0
fi

missing=()
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v mpicc >/dev/null 2>&1 || missing+=(openmpi-bin libopenmpi-dev)
if [ "${#missing[@]}" -gt 0 ]; then install_packages "${missing[@]}"; fi

stamp=node_modules/.setup-stamp
want=$({ cat package-lock.json packages/*/package.json; command -v mpicc || true; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
# The MPI addon is built by npm ci when MPI is present; build it again if MPI arrived later or its
# native sources changed since it was built (a checkout updated in place). The first time, a
# build newer than every source (npm ci's own) is taken as theirs.
native=$(cat packages/mpi-napi/binding.gyp packages/mpi-napi/src/native/* 2>/dev/null | sha256sum | cut -d' ' -f1)
addon=packages/mpi-napi/build/Release/mpi_napi.node
built_from=packages/mpi-napi/build/.sources
if [ -f "$addon" ] && [ ! -f "$built_from" ] &&
  [ -z "$(find packages/mpi-napi/binding.gyp packages/mpi-napi/src/native -newer "$addon" -type f)" ]; then
  echo "$native" >"$built_from"
fi
if command -v mpicc >/dev/null 2>&1 && { [ ! -f "$addon" ] || [ "$(cat "$built_from" 2>/dev/null)" != "$native" ]; }; then
  echo "setup: building the mpi-napi addon (missing, or its sources changed)" >&2
  npm rebuild mpi-napi --foreground-scripts >/dev/null 2>&1 || npm rebuild mpi-napi --foreground-scripts >/dev/null
  echo "$native" >"$built_from"
fi
npm run --silent build

#!/usr/bin/env bash
# npm run test:cluster [-- --mpi mpich] [-- --shared-fs sshfs --fs-cache nfs-like]: the
# distributed-jit suite across 3 namespaced hosts x 2 ranks, with $SHARED on a bind mount (default)
# or on sshfs with the given client caches (see test-mpi/cluster/run.sh).
# Needs root (network and mount namespaces); skipped with a notice otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
mpi=openmpi
fs_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mpi) mpi=${2:?}; shift 2 ;;
    --shared-fs | --fs-cache) fs_args+=("$1" "${2:?}"); shift 2 ;;
    *) echo "test-cluster: unknown option $1 (use --mpi openmpi|mpich, --shared-fs bind|sshfs, --fs-cache off|default|nfs-like)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "cluster: skipped (needs root for network and mount namespaces; run npm run test:cluster as root)"
  exit 0
fi
if [ "$mpi" = mpich ]; then
  # The addon built against MPICH lives beside the Open MPI one; build it when missing.
  if [ ! -f packages/mpi-napi/build-mpich/build/Release/mpi_napi.node ]; then
    command -v mpicc.mpich >/dev/null 2>&1 || apt-get install -y -qq mpich libmpich-dev >/dev/null
    node packages/mpi-napi/scripts/install.mjs --mpicc mpicc.mpich --out build-mpich >/dev/null
  fi
  export MPI_NAPI_BINDING=mpich
fi
export OMPI_MCA_btl_vader_single_copy_mechanism=none

# The suite on one kind of shared directory; on sshfs also a library edited in place between jobs.
suite() {
  local cluster=(test-mpi/cluster/run.sh --hosts 3 --ranks 6 --mpi "$mpi" "$@" --timeout 600)
  "${cluster[@]}" -- node test-mpi/cluster/suite.mjs
  case " $* " in
    *" --shared-fs sshfs "*) "${cluster[@]}" -- node test-mpi/cluster/edited.mjs ;;
  esac
}

# Without a choice of file system: a bind mount, then sshfs with NFS-like client caches.
if [ "${#fs_args[@]}" -eq 0 ]; then
  bash scripts/setup.sh --sshfs
  suite --shared-fs bind
  suite --shared-fs sshfs --fs-cache nfs-like
else
  case " ${fs_args[*]} " in *" --shared-fs sshfs "*) bash scripts/setup.sh --sshfs ;; esac
  suite "${fs_args[@]}"
fi

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

# The suite on one kind of shared directory; on sshfs also a library edited in place between jobs
# and one published after another host's client cached its name as missing.
suite() {
  local cluster=(test-mpi/cluster/run.sh --hosts 3 --ranks 6 --mpi "$mpi" "$@" --timeout 600)
  "${cluster[@]}" -- node test-mpi/cluster/suite.mjs
  case " $* " in
    *" --shared-fs sshfs "*)
      "${cluster[@]}" -- node test-mpi/cluster/edited.mjs
      "${cluster[@]}" -- node test-mpi/cluster/missing.mjs
      several_jobs "${cluster[@]}"
      ;;
  esac
}

# Jobs that share one cache directory (kept between them): each under a lister, cold then warm; two
# at once on a 15 s build; two at once on a short one. Builds are counted by generate calls.
several_jobs() {
  local kept out status=0
  kept=$(mktemp -d)
  out="$kept/out"
  mkdir -m 700 "$kept/shared"
  calls() { if [ -f "$kept/shared/$1.calls" ]; then wc -l <"$kept/shared/$1.calls"; else echo 0; fi; }
  fail() { echo "cluster jobs: $*" >&2; status=1; }
  for i in 1 2 3 4; do
    for pass in cold warm; do
      "$@" --shared-dir "$kept/shared" -- node test-mpi/cluster/jobs.mjs listed "listed_$i" >>"$out" || fail "listed_$i ($pass) failed"
    done
    [ "$(calls "listed_$i")" = 1 ] || fail "listed_$i: $(calls "listed_$i") builds over a cold and a warm job, expected 1"
  done
  for case in "slow 15" "short 0"; do
    local name=${case% *} seconds=${case#* }
    "$@" --shared-dir "$kept/shared" -- node test-mpi/cluster/jobs.mjs slow "$name" "$seconds" >"$out.$name.1" &
    local first=$!
    "$@" --shared-dir "$kept/shared" -- node test-mpi/cluster/jobs.mjs slow "$name" "$seconds" >"$out.$name.2" || fail "$name: the second job failed"
    wait "$first" || fail "$name: the first job failed"
    [ "$(calls "$name")" = 1 ] || fail "$name: $(calls "$name") builds by two jobs at once, expected 1"
    local built
    built=$(cat "$out.$name".[12] | grep -c "^jobs: slow $name built," || true)
    [ "$built" = 1 ] || fail "$name: $built jobs say their library was built, expected exactly 1: $(cat "$out.$name".[12])"
  done
  [ "$status" = 0 ] && echo "cluster jobs: 4 cold and 4 warm under a lister, two at once on a 15 s and on a short build: ok"
  rm -rf "$kept"
  return "$status"
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

#!/usr/bin/env bash
# npm run bench [-- --quick] [-- --only local,bcast,peer,cluster]: set up (the project, then the reference Python dijitso and mpi4py
# the side-by-side runs need), then run every benchmark; results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The system python, not one on PATH (pyenv): Debian's python3-dijitso installs for it.
if ! /usr/bin/python3 -c 'import dijitso, mpi4py' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing python3-dijitso python3-mpi4py (the reference)" >&2
    apt-get install -y python3-dijitso python3-mpi4py >/dev/null \
      || { apt-get update -qq && apt-get install -y python3-dijitso python3-mpi4py >/dev/null; }
  else
    echo "bench: the reference needs: sudo apt-get install -y python3-dijitso python3-mpi4py" >&2
    exit 1
  fi
fi
# The cluster part (--only ...cluster...) needs the sshfs harness and strace, which it counts with.
case " $* " in
  *cluster*)
    bash scripts/setup.sh --sshfs
    if ! command -v strace >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing strace (the cluster part counts file operations with it)" >&2
        apt-get install -y strace >/dev/null || { apt-get update -qq && apt-get install -y strace >/dev/null; }
      else
        echo "bench: the cluster part needs: sudo apt-get install -y strace" >&2
        exit 1
      fi
    fi
    ;;
esac
exec node bench/run.mjs "$@"

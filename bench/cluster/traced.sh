#!/usr/bin/env bash
# Runs COMMAND under strace with one trace file per thread, $TRACE_DIR/<hostname>.<rank>.<tid>:
# every file-system call (strace's %file class) and the descriptor calls a cache uses (reads,
# writes, mmap, fstat, getdents64, ...), with -y so that a descriptor shows its path, and
# timestamps so that the threads of a rank line up with its phase markers. With --seccomp-bpf
# the calls not traced (polls of the MPI progress engine) never stop the process.
# Usage (under mpirun): TRACE_DIR=DIR bash traced.sh COMMAND [ARGS...]
set -euo pipefail
: "${TRACE_DIR:?TRACE_DIR must name the directory for the trace files}"
rank=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:?neither OMPI_COMM_WORLD_RANK nor PMI_RANK is set: run under mpirun}}
calls=%file,read,pread64,write,pwrite64,close,fstat,fstatfs,getdents64,mmap,lseek,fsync,fdatasync,ftruncate,flock
exec strace -f -ff -ttt -y -qq --seccomp-bpf -e trace="$calls" -o "$TRACE_DIR/$(hostname).$rank" -- "$@"

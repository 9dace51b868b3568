"""One rank of the cluster benchmark, reference side: the Debian python3-dijitso doing what
rank.mjs does (its rendezvous create_comms_and_role, then a warm jit of a library already in the
shared cache DIR, root strategy), with the same phase markers.

Usage (under test-mpi/cluster/run.sh): python3 rank.py DIR SOURCE.cpp. Rank 0 prints one JSON line.
The reference does not say where a library came from (origin is null): the runner checks instead
that no library of the cache changed during the job.
"""
import json
import os
import socket
import sys
import time

import dijitso  # noqa: F401 (imported here, so that no phase counts the import)
import dijitso.mpi  # noqa: F401
from mpi4py import MPI

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))
from wiring import collective_jit, use_cache_dir  # noqa: E402


def mark(phase):
    """Look up a path that is never there: a trace splits the rank's file operations by phase."""
    os.access("/dijitso-bench-phase/" + phase, os.F_OK)


cache_dir, source_path = sys.argv[1:3]
comm = MPI.COMM_WORLD
use_cache_dir(cache_dir)

comm.Barrier()
mark("rendezvous")
started = time.perf_counter()
jit = collective_jit(comm, cache_dir, "root")
rendezvous_ms = (time.perf_counter() - started) * 1000
comm.Barrier()
mark("jit")
started = time.perf_counter()
lib = jit(source_path)
jit_ms = (time.perf_counter() - started) * 1000
mark("end")
if lib.add(2, 3) != 5:
    raise RuntimeError("bad library on rank %d" % comm.rank)

mine = {"rank": comm.rank, "host": socket.gethostname(), "rendezvousMs": rendezvous_ms,
        "jitMs": jit_ms, "origin": None}
everyone = comm.allgather(mine)
if comm.rank == 0:
    print(json.dumps({"impl": "reference", "ranks": everyone}), flush=True)

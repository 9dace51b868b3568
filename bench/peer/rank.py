"""One rank of the side-by-side benchmark, reference side: the Debian python3-dijitso.

Usage (under mpirun): python3 rank.py ROOT DISKS STRATEGY SOURCE.cpp, as rank.mjs. The timed
call includes create_comms_and_role (the reference's rendezvous), as ours includes its own.
"""
import json
import os
import sys
import time

from mpi4py import MPI

from wiring import collective_jit, use_cache_dir

root, disks, strategy, source_path = sys.argv[1:5]
comm = MPI.COMM_WORLD
cache_dir = os.path.join(root, "disk-%d" % (0 if int(disks) == 1 else comm.rank >> 1))
if strategy == "process":
    # The reference refuses shared directories for per-process builds; ours separates them the same way.
    cache_dir = os.path.join(cache_dir, "rank-%d" % comm.rank)
use_cache_dir(cache_dir)

started = time.perf_counter()
lib = collective_jit(comm, cache_dir, strategy)(source_path)
ms = (time.perf_counter() - started) * 1000
if lib.add(2, 3) != 5:
    raise RuntimeError("bad library on rank %d" % comm.rank)
everyone = comm.allgather(ms)
if comm.rank == 0:
    print(json.dumps({"impl": "reference", "first_ms": everyone}), flush=True)

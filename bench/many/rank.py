"""One rank of the many-libraries benchmark, reference side: the Debian python3-dijitso.

Usage (under mpirun): python3 rank.py ROOT DISKS STRATEGY SRCDIR. Jits SRCDIR/first.cpp, then
every other .cpp of SRCDIR in name order, one after another (the reference has no way to start
several collective calls at once), timing those. Rank 0 prints {"seconds": ...}.
"""
import json
import os
import sys
import time

from mpi4py import MPI

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))
from wiring import collective_jit, use_cache_dir  # noqa: E402

root, disks, strategy, src_dir = sys.argv[1:5]
comm = MPI.COMM_WORLD
cache_dir = os.path.join(root, "disk-%d" % (0 if int(disks) == 1 else comm.rank >> 1))
use_cache_dir(cache_dir)
jit = collective_jit(comm, cache_dir, strategy)
if jit(os.path.join(src_dir, "first.cpp")).add(2, 3) != 5:
    raise RuntimeError("bad library on rank %d" % comm.rank)
sources = sorted(n for n in os.listdir(src_dir) if n.endswith(".cpp") and n != "first.cpp")
comm.Barrier()
started = time.perf_counter()
libs = [jit(os.path.join(src_dir, name)) for name in sources]
seconds = comm.allreduce(time.perf_counter() - started, op=MPI.MAX)
if not all(lib.add(2, 3) == 5 for lib in libs):
    raise RuntimeError("bad library on rank %d" % comm.rank)
if comm.rank == 0:
    print(json.dumps({"seconds": seconds}), flush=True)

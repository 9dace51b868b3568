"""The MPI floor, reference side (under mpirun): an empty Allgather and a Barrier through mpi4py,
dijitso's rendezvous alone (create_comms_and_role, root strategy) and a warm jit() after it.

Usage: python3 latency.py ROOT DISKS REPS SOURCE.cpp. Rank 0 prints one JSON line (medians of
per-call maxima over ranks, in ms), with the same keys as latency.mjs.
"""
import json
import os
import sys
import time

from mpi4py import MPI

from wiring import collective_jit, use_cache_dir

root, disks, reps, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
comm = MPI.COMM_WORLD
cache_dir = os.path.join(root, "disk-%d" % (0 if disks == 1 else comm.rank >> 1))
use_cache_dir(cache_dir)


def sample(run):
    times = []
    for _ in range(reps):
        comm.Barrier()
        started = time.perf_counter()
        run()
        times.append(comm.allreduce((time.perf_counter() - started) * 1000, op=MPI.MAX))
    return times


def median(values):
    return sorted(values)[len(values) // 2]


mine = bytearray(1)
everyone = bytearray(comm.size)
for _ in range(5):
    comm.Allgather(mine, everyone)
allgather = sample(lambda: comm.Allgather(mine, everyone))
barrier = sample(comm.Barrier)
rendezvous = sample(lambda: collective_jit(comm, cache_dir, "root"))

# A warm call: the library is on every disk, the memory cache is emptied before each call.
# (ctypes never unloads, so the reference's reload is a dlopen refcount; ours dlopens afresh.)
import dijitso.cache  # noqa: E402

jit = collective_jit(comm, cache_dir, "root")
jit(source)
name = os.path.basename(source)[: -len(".cpp")]


def warm():
    dijitso.cache._lib_cache.pop(name, None)
    jit(source)


warm_jit = sample(warm)
if comm.rank == 0:
    report = {
        "impl": "reference",
        "allgather_ms": median(allgather),
        "barrier_ms": median(barrier),
        "rendezvous_ms": median(rendezvous),
        "rendezvous_first_ms": rendezvous[0],
        "warm_jit_ms": median(warm_jit),
    }
    print(json.dumps(report), flush=True)

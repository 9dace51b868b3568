"""Reference side of the bcast benchmark: mpi4py's Bcast into a preallocated buffer.

Args: path to sizes.json, mode (full or quick). Prints one JSON line per size from rank 0.
"""
import json
import sys

from mpi4py import MPI


def warmup_iterations(size):
    # The same rule as bcast.mjs.
    return min(2000, max(3, (64 << 20) // size))


def main():
    plan = json.load(open(sys.argv[1]))[sys.argv[2]]
    comm = MPI.COMM_WORLD
    for size in plan["sizes"]:
        iterations = max(3, min(plan["maxIterations"], plan["bytesPerSize"] // size))
        buf = bytearray(size)
        for _ in range(warmup_iterations(size)):
            comm.Bcast(buf, 0)
        best = float("inf")
        for _ in range(plan["repeats"]):
            comm.Barrier()
            started = MPI.Wtime()
            for _ in range(iterations):
                comm.Bcast(buf, 0)
            elapsed = comm.allreduce((MPI.Wtime() - started) / iterations, op=MPI.MAX)
            best = min(best, elapsed)
        if comm.rank == 0:
            print(json.dumps({"impl": "mpi4py Bcast", "np": comm.size, "size": size, "seconds": best}), flush=True)


main()

"""Reference side of bench/mpi: mpi4py's Send/Recv ping-pong and Allreduce, on 2 ranks.

Args: path to plan.json. Rank 0 prints one JSON line per case, as mpi_napi.mjs does.
"""
import array
import json
import sys

from mpi4py import MPI


def repeat_times(comm, plan, iterations, run):
    """Seconds per iteration of each repeat, after the same warm-up as mpi_napi.mjs."""
    for _ in range(max(3, iterations // 5)):
        run()
    times = []
    for _ in range(plan["repeats"]):
        comm.Barrier()
        started = MPI.Wtime()
        for _ in range(iterations):
            run()
        times.append((MPI.Wtime() - started) / iterations)
    return times


def main():
    plan = json.load(open(sys.argv[1]))
    comm = MPI.COMM_WORLD
    if comm.size != 2:
        raise SystemExit(f"Expected 2 ranks for bench/mpi but received {comm.size}")
    peer = 1 - comm.rank
    first = comm.rank == 0

    def report(kind, size, times):
        if first:
            line = {"kind": kind, "impl": "mpi4py", "size": size, "times": times}
            print(json.dumps(line), flush=True)

    for case in plan["pingPong"]:
        size = case["size"]
        data = bytearray(b"\x07" * size)
        into = bytearray(size)

        def round_trip():
            if first:
                comm.Send(data, peer, 1)
            comm.Recv(into, peer, 1)
            if not first:
                comm.Send(data, peer, 1)

        times = repeat_times(comm, plan, case["iterations"], round_trip)
        report("pingpong", size, [time / 2 for time in times])

    length = plan["allreduce"]["length"]
    values = array.array("d", (float(i + comm.rank) for i in range(length)))
    result = array.array("d", bytes(8 * length))
    times = repeat_times(comm, plan, plan["allreduce"]["iterations"],
                         lambda: comm.Allreduce(values, result, op=MPI.SUM))
    report("allreduce", 8 * length, times)


main()

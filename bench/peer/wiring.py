"""The reference dijitso, wired for MPI as its authors sketch it at the end of dijitso/mpi.py.

create_comms_and_role runs once per (communicator, directory); each jit() call then gets
generate/send on the builder, receive on receivers and the group barrier as wait.
"""
import os

from mpi4py import MPI

# The same compiler flags as ours (-shared -fPIC -O2 -std=c++17), so both compile the same work.
PARAMS = {"build": {"cxxflags": ("-shared", "-fPIC", "-std=c++17"), "cxxflags_opt": ("-O2",)}}


def use_cache_dir(cache_dir):
    """dijitso reads its cache directory only from DIJITSO_CACHE_DIR, at every call."""
    os.environ["DIJITSO_CACHE_DIR"] = cache_dir


def collective_jit(comm, cache_dir, strategy):
    """Run the reference's rendezvous; return jit(path) -> ctypes library, collective over comm."""
    import dijitso
    from dijitso.mpi import create_comms_and_role, receive_binary, send_binary

    comm_dir = os.path.join(cache_dir, "comm")
    os.makedirs(comm_dir, exist_ok=True)
    copy_comm, wait_comm, role = create_comms_and_role(comm, comm_dir, strategy)

    def usable(c):
        return c is not None and c != MPI.COMM_NULL

    send = receive = wait = None
    if usable(wait_comm):
        wait = wait_comm.Barrier
    if role == "builder" and usable(copy_comm) and copy_comm.size > 1:
        def send(data):
            send_binary(copy_comm, data)
    if role == "receiver":
        def receive():
            return receive_binary(copy_comm)

    def jit(path):
        name = os.path.basename(path)[: -len(".cpp")]

        def generate(jitable, name, signature, generator_params):
            with open(path) as f:
                return None, f.read(), ()

        builder = role == "builder"
        lib, _ = dijitso.jit(None, name, PARAMS, generate=generate if builder else None,
                             send=send, receive=receive, wait=wait)
        if lib is None:
            raise RuntimeError("no library on rank %d" % comm.rank)
        return lib

    return jit

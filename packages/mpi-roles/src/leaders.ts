import type { Communicator } from './communicator.js';
import type { Topology } from './topology.js';

const made = new WeakMap<Topology, Promise<Communicator | null>>();

/**
 * The communicator of the group leaders of `topology` (group `g`'s leader is its rank `g`), null on
 * the other ranks. It is split from `comm` (the communicator of the topology, or a bounded view of
 * it) the first time it is asked for, and kept: a job whose calls all hit never makes it. Collective
 * over `comm`: every rank asks at the same point of the same call.
 */
export function leadersCommunicator(
  topology: Topology,
  comm: Pick<Communicator, 'split'>,
): Promise<Communicator | null> {
  let pending = made.get(topology);
  if (!pending) {
    pending = comm.split(topology.isLeader ? 0 : null, topology.rank);
    made.set(topology, pending);
    // Every rank fails together, so every rank may try again.
    pending.catch(() => made.delete(topology));
  }
  return pending;
}

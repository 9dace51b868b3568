import { JitTimeoutError } from '@dijitso/core-cache/runtime';
import type { Communicator } from './communicator.js';

/**
 * A view of `comm` whose collectives give up after `timeoutMs`: a stuck or dead peer becomes a
 * `JitTimeoutError` on the waiting ranks instead of a hang. MPI cannot cancel a collective, so the
 * communicator is unusable afterwards (the program should abort or end). Communicators split from
 * it are bounded the same way.
 */
export function boundedCommunicator(comm: Communicator, timeoutMs: number): Communicator {
  const bound = <T>(what: string, pending: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new JitTimeoutError(
              `Rank ${comm.rank} of ${comm.size} waited ${timeoutMs} ms in ${what} for other ranks: ` +
                'a peer is stuck or dead, or did not call jit() collectively. This communicator can no longer ' +
                'be used; abort the job (MPI_Abort) or raise the timeout.',
            ),
          ),
        timeoutMs,
      );
    });
    return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
  };
  return {
    rank: comm.rank,
    size: comm.size,
    barrier: () => bound('a barrier', comm.barrier()),
    bcast: (data, root) => bound('a broadcast', comm.bcast(data, root)),
    allgather: (data) => bound('an allgather', comm.allgather(data)),
    split: async (color, key) => {
      const part = await bound('a communicator split', comm.split(color, key));
      return part === null ? null : boundedCommunicator(part, timeoutMs);
    },
  };
}

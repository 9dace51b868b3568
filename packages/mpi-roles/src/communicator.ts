/**
 * What mpi-roles needs of an MPI communicator. `mpi-napi` implements it; tests use the in-process
 * fake of `fake.ts`; any other binding can be wrapped to fit. Every method is collective: all
 * ranks call it, in the same order.
 */
export interface Communicator {
  readonly rank: number;
  readonly size: number;
  barrier(): Promise<void>;
  /** The root passes the data, the others null; every rank gets the root's bytes. */
  bcast(data: Buffer | null, root: number): Promise<Buffer>;
  /** Every rank's bytes, in rank order; lengths may differ. */
  allgather(data: Buffer): Promise<Buffer[]>;
  /** Ranks with the same color form a new communicator ordered by key; a null color gets null. */
  split(color: number | null, key: number): Promise<Communicator | null>;
}

/** True when `value` has the shape of a `Communicator`. */
export function isCommunicator(value: unknown): value is Communicator {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    Number.isInteger(c.rank) &&
    Number.isInteger(c.size) &&
    typeof c.barrier === 'function' &&
    typeof c.bcast === 'function' &&
    typeof c.allgather === 'function' &&
    typeof c.split === 'function'
  );
}

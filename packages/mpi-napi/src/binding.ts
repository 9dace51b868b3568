// Loads the native addon on first use, so importing mpi-napi never loads libmpi and a missing
// MPI is reported when MPI is actually needed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MpiError } from './errors.js';

/** Callback of an async native collective; called once, possibly before the call returns. */
export type NativeCallback<T> = (error: Error | null, result: T) => void;

/** What gather/allgather deliver: all messages back to back, and each message's length. */
export interface NativeGathered {
  data: Buffer;
  lengths: number[];
}

/** The addon's exports. Handles are indexes into the addon's communicator table; 0 is world. */
export interface NativeBinding {
  constants: {
    THREAD_SINGLE: number;
    THREAD_FUNNELED: number;
    THREAD_SERIALIZED: number;
    THREAD_MULTIPLE: number;
    UNDEFINED: number;
    ANY_SOURCE: number;
    ANY_TAG: number;
    COMM_TYPE_SHARED: number;
  };
  configure(settings: { spinMicros: number; backoffMicros: number; poolLimitBytes: number }): void;
  init(requiredLevel: number): number;
  initialized(): boolean;
  finalized(): boolean;
  finalize(): void;
  queryThread(): number;
  version(): [number, number];
  libraryVersion(): string;
  processorName(): string;
  abort(handle: number, code: number): void;
  commRank(handle: number): number;
  commSize(handle: number): number;
  commFree(handle: number): void;
  splitSync(handle: number, color: number, key: number): number | null;
  splitAsync(handle: number, color: number, key: number, done: NativeCallback<number | null>): void;
  /** type is a split type constant (COMM_TYPE_SHARED). */
  splitTypeSync(handle: number, type: number, key: number): number | null;
  splitTypeAsync(handle: number, type: number, key: number, done: NativeCallback<number | null>): void;
  dupSync(handle: number): number;
  dupAsync(handle: number, done: NativeCallback<number>): void;
  /** Returns a new Buffer, or the message length when it landed in data (root) or into. */
  bcastSync(
    handle: number,
    root: number,
    isRoot: boolean,
    data: Buffer | null,
    into: Buffer | null,
  ): Buffer | number;
  bcastAsync(
    handle: number,
    root: number,
    isRoot: boolean,
    data: Buffer | null,
    into: Buffer | null,
    done: NativeCallback<Buffer | number>,
  ): void;
  barrierSync(handle: number): void;
  barrierAsync(handle: number, done: NativeCallback<void>): void;
  /**
   * root -1 means allreduce. type and op index the addon's tables (see reduce.ts). A number
   * resolves to the result (null where it does not arrive); an array's result lands in result.
   */
  reduceSync(
    handle: number,
    root: number,
    receives: boolean,
    type: number,
    op: number,
    value: number | Buffer,
    result: Buffer | null,
  ): number | null | undefined;
  reduceAsync(
    handle: number,
    root: number,
    receives: boolean,
    type: number,
    op: number,
    value: number | Buffer,
    result: Buffer | null,
    done: NativeCallback<number | null | undefined>,
  ): void;
  /** root -1 means allgather; the result is null on non-root ranks of a gather. */
  gatherSync(handle: number, root: number, rank: number, size: number, data: Buffer): NativeGathered | null;
  gatherAsync(
    handle: number,
    root: number,
    rank: number,
    size: number,
    data: Buffer,
    done: NativeCallback<NativeGathered | null>,
  ): void;
  /** bufs (one per rank) on the root, else null; the root gets its own part's length, the others a Buffer. */
  scatterSync(
    handle: number,
    root: number,
    rank: number,
    size: number,
    bufs: readonly Buffer[] | null,
  ): Buffer | number;
  scatterAsync(
    handle: number,
    root: number,
    rank: number,
    size: number,
    bufs: readonly Buffer[] | null,
    done: NativeCallback<Buffer | number>,
  ): void;
  /** bufs has one Buffer per rank; what every rank sent here, back to back. */
  alltoallSync(handle: number, rank: number, size: number, bufs: readonly Buffer[]): NativeGathered;
  alltoallAsync(
    handle: number,
    rank: number,
    size: number,
    bufs: readonly Buffer[],
    done: NativeCallback<NativeGathered>,
  ): void;
  sendSync(handle: number, data: Buffer, dest: number, tag: number): void;
  sendAsync(handle: number, data: Buffer, dest: number, tag: number, done: NativeCallback<void>): void;
  /**
   * The length when the message landed in into, else a new Buffer; the message's source and tag
   * are written to envelope (an Int32Array of length 2: [source, tag]) before it returns or calls done.
   */
  recvSync(
    handle: number,
    source: number,
    tag: number,
    envelope: Int32Array,
    into: Buffer | null,
  ): Buffer | number;
  recvAsync(
    handle: number,
    source: number,
    tag: number,
    envelope: Int32Array,
    into: Buffer | null,
    done: NativeCallback<Buffer | number>,
  ): void;
  /** The message's size; its source and tag are written to envelope, as by recvSync. */
  probeSync(handle: number, source: number, tag: number, envelope: Int32Array): number;
  probeAsync(
    handle: number,
    source: number,
    tag: number,
    envelope: Int32Array,
    done: NativeCallback<number>,
  ): void;
  tagUpperBound(): number;
}

/** How to get MPI, shown whenever the addon cannot be used. */
export const INSTALL_HINT =
  'install MPI (apt-get install openmpi-bin libopenmpi-dev, or mpich libmpich-dev) and rebuild with `npm rebuild mpi-napi`';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
let loaded: NativeBinding | undefined;

/**
 * The addon file to load. MPI_NAPI_BINDING selects another build: a name such as `mpich` means
 * build-mpich/ (made by `node scripts/install.mjs --mpicc mpicc.mpich --out build-mpich`), a path
 * ending in .node is used as is.
 */
export function bindingPath(): string {
  const choice = process.env.MPI_NAPI_BINDING ?? '';
  if (choice === '' || choice === 'default') return join(packageRoot, 'build', 'Release', 'mpi_napi.node');
  if (choice.endsWith('.node')) return isAbsolute(choice) ? choice : resolve(choice);
  if (/^[a-z0-9][a-z0-9-]*$/.test(choice)) {
    return join(packageRoot, `build-${choice}`, 'build', 'Release', 'mpi_napi.node');
  }
  throw new TypeError(
    `Expected a build name (e.g. mpich) or a path to a .node file for MPI_NAPI_BINDING but received ${JSON.stringify(choice)}`,
  );
}

/** True when the addon file exists (it may still fail to load). */
export function bindingBuilt(): boolean {
  return existsSync(bindingPath());
}

/** The loaded addon; throws MpiError saying how to install MPI when it is missing. */
export function native(): NativeBinding {
  if (loaded !== undefined) return loaded;
  const path = bindingPath();
  if (!existsSync(path)) {
    throw new MpiError(`mpi-napi: the native binding is not built (${path} is missing); ${INSTALL_HINT}`);
  }
  // MPICH on UCX patches mmap, munmap, brk and madvise to track registered memory. Under V8's own
  // memory management, 3 of 8 runs of the MPI test suite crashed (a segfault in V8's heap, caught by UCX).
  // UCX reads this variable when its library loads, which loading the addon does: it must be set
  // before. A user who sets it keeps their choice.
  process.env.UCX_MEM_EVENTS ??= 'no';
  try {
    loaded = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (cause) {
    throw new MpiError(`mpi-napi: the native binding ${path} failed to load; ${INSTALL_HINT}`, { cause });
  }
  return loaded;
}

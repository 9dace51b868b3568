// Process-wide state shared by the environment functions and communicators: the thread level
// MPI granted and the rules it implies for async collectives.
import { native, type NativeBinding } from './binding.js';
import { MpiError } from './errors.js';
import { OpQueue } from './queue.js';

/** MPI thread support levels, weakest first. */
export const THREAD_LEVELS = ['single', 'funneled', 'serialized', 'multiple'] as const;
/** An MPI thread support level (MPI_THREAD_SINGLE … MPI_THREAD_MULTIPLE). */
export type ThreadLevel = (typeof THREAD_LEVELS)[number];

let provided: ThreadLevel | null = null;
// Cached "initialized and not finalized", so a collective costs no extra native calls.
let running = false;
// Under MPI_THREAD_SERIALIZED no two MPI calls may overlap, so all communicators share one queue.
const processQueue = new OpQueue();

let tagBound: number | undefined;

/** The largest tag MPI accepts (MPI_TAG_UB), asked once. */
export function tagUpperBound(binding: NativeBinding): number {
  tagBound ??= binding.tagUpperBound();
  return tagBound;
}

/** Records the level MPI_Init_thread granted (null when MPI was initialized elsewhere). */
export function setProvidedLevel(level: ThreadLevel | null): void {
  provided = level;
}

/** The thread level MPI provides, once initialized. */
export function providedLevel(): ThreadLevel | null {
  return provided;
}

/** Converts between the binding's integer levels and their names. */
export function levelToNative(binding: NativeBinding, level: ThreadLevel): number {
  const { THREAD_SINGLE, THREAD_FUNNELED, THREAD_SERIALIZED, THREAD_MULTIPLE } = binding.constants;
  return [THREAD_SINGLE, THREAD_FUNNELED, THREAD_SERIALIZED, THREAD_MULTIPLE][
    THREAD_LEVELS.indexOf(level)
  ] as number;
}

/** The name of a level reported by the binding. */
export function levelFromNative(binding: NativeBinding, value: number): ThreadLevel {
  const { THREAD_SINGLE, THREAD_FUNNELED, THREAD_SERIALIZED } = binding.constants;
  if (value === THREAD_SINGLE) return 'single';
  if (value === THREAD_FUNNELED) return 'funneled';
  if (value === THREAD_SERIALIZED) return 'serialized';
  return 'multiple';
}

/** Records that MPI was finalized through this package. */
export function markFinalized(): void {
  running = false;
}

/** The binding, after checking MPI is initialized and not yet finalized. */
export function usableBinding(): NativeBinding {
  const binding = native();
  if (running) return binding;
  if (binding.finalized())
    throw new MpiError('MPI already finalized; no MPI call is allowed after finalize()');
  if (!binding.initialized()) throw new MpiError('MPI is not initialized; call init() or world() first');
  running = true;
  return binding;
}

/**
 * The queue an async collective on a communicator goes through. Async collectives complete on
 * libuv worker threads, which needs at least MPI_THREAD_SERIALIZED.
 */
export function queueFor(ownQueue: OpQueue): OpQueue {
  if (provided === 'multiple') return ownQueue;
  if (provided === 'serialized') return processQueue;
  throw new MpiError(
    `MPI provides thread level ${(provided ?? 'unknown').toUpperCase()} but async collectives finish on worker threads and need SERIALIZED or MULTIPLE; ` +
      "call init({ thread: 'multiple' }) with an MPI built with thread support, or use the Sync variants",
  );
}

/** Sync calls block the JS thread; they must not overlap an async collective they could race. */
export function assertNoOverlap(ownQueue: OpQueue, operation: string): void {
  const queue = provided === 'multiple' ? ownQueue : processQueue;
  if (queue.pending > 0) {
    throw new Error(
      `Expected no pending async collective for ${operation} but ${queue.pending} ${queue.pending === 1 ? 'is' : 'are'} pending; await ${queue.pending === 1 ? 'it' : 'them'} first`,
    );
  }
}

/**
 * Checks that async point-to-point calls may run. They start on the JS thread while earlier ones
 * still wait on worker threads, so MPI calls overlap: that needs MPI_THREAD_MULTIPLE.
 */
export function assertUnqueuedAllowed(operation: string): void {
  if (provided === 'multiple') return;
  throw new MpiError(
    `MPI provides thread level ${(provided ?? 'unknown').toUpperCase()} but async ${operation} overlaps other MPI calls on worker threads and needs MULTIPLE; ` +
      `call init({ thread: 'multiple' }) with an MPI built with thread support, or use ${operation}Sync`,
  );
}

/** Sync point-to-point calls overlap only what MULTIPLE allows: under SERIALIZED, no pending async call. */
export function assertNoSerializedOverlap(operation: string): void {
  if (provided === 'multiple') return;
  assertNoOverlap(processQueue, operation);
}

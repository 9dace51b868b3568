// MPI requires every rank to call the collectives of a communicator in the same order, and an
// async API lets a program start the next one before the last finished. A queue keeps them in
// call order: one collective in flight per queue, the next starts when it completes.
import type { NativeCallback } from './binding.js';
import { toMpiError } from './errors.js';

let inFlightTotal = 0;

/** Async MPI calls (collectives, sends, receives, probes) started or queued and not yet completed, process-wide. */
export function pendingCollectives(): number {
  return inFlightTotal;
}

/**
 * Starts a native async call at once, outside any queue: point-to-point calls need no order
 * across ranks, and a receive waiting behind a queue could deadlock the send that feeds it.
 * finish runs synchronously inside the native callback (receives read the envelope the addon
 * wrote just before it, see p2p.ts).
 */
export function runUnqueued<N, T>(
  start: (done: NativeCallback<N>) => void,
  finish: (result: N) => T,
): Promise<T> {
  inFlightTotal += 1;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const done: NativeCallback<N> = (error, result) => {
      if (settled) return;
      settled = true;
      inFlightTotal -= 1;
      try {
        if (error !== null) reject(toMpiError(error));
        else resolve(finish(result));
      } catch (failure) {
        reject(toMpiError(failure));
      }
    };
    try {
      start(done);
    } catch (failure) {
      done(failure instanceof Error ? failure : new Error(String(failure)), undefined as N);
    }
  });
}

/** A FIFO of async collectives: at most one running; completion starts the next. */
export class OpQueue {
  readonly #waiting: Array<() => void> = [];
  #running = false;
  #draining = false;
  #pending = 0;

  /** Collectives queued or running here. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues a native async call. start receives the completion callback; finish turns the native
   * result into the promised value (it runs before the next queued call starts).
   */
  run<N, T>(start: (done: NativeCallback<N>) => void, finish: (result: N) => T): Promise<T> {
    this.#pending += 1;
    inFlightTotal += 1;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const done: NativeCallback<N> = (error, result) => {
        if (settled) return;
        settled = true;
        try {
          if (error !== null) reject(toMpiError(error));
          else resolve(finish(result));
        } catch (failure) {
          reject(toMpiError(failure));
        } finally {
          this.#completed();
        }
      };
      this.#waiting.push(() => {
        try {
          start(done);
        } catch (failure) {
          done(failure instanceof Error ? failure : new Error(String(failure)), undefined as N);
        }
      });
      this.#drain();
    });
  }

  #completed(): void {
    this.#running = false;
    this.#pending -= 1;
    inFlightTotal -= 1;
    this.#drain();
  }

  // A trampoline: calls that complete during start (the fast path) do not nest the next one.
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#running && this.#waiting.length > 0) {
        this.#running = true;
        this.#waiting.shift()?.();
      }
    } finally {
      this.#draining = false;
    }
  }
}

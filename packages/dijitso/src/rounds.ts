import type { CacheLayout } from '@dijitso/core-cache/runtime';
import type { Library } from '@dijitso/loader';
import {
  FLAG,
  agreeOnRound,
  beginRound,
  boundedCommunicator,
  hitsOf,
  lookupFlag,
  type BuildStrategy,
  type CollectiveCall,
  type CollectiveOutcome,
  type Communicator,
  type Topology,
} from '@dijitso/mpi-roles';
import type { BuildJob } from './build.js';
import type { ResolvedParams } from './params.js';
import { CollectiveCallWork, meetOthers, type ServedEntry } from './collective.js';
import { completeRound, type RoundWork } from './round-completion.js';
import { PerCommunicator } from './per-comm.js';

/** A collective call, checked and resolved, waiting for its round. */
export interface QueuedCall {
  key: string;
  signature: string;
  /** Decides memory hits: equal for calls that the same loaded library serves. */
  fingerprint: string;
  dir: string;
  strategy: BuildStrategy;
  hostSpecific: boolean;
  timeout: number | undefined;
  job: Omit<BuildJob, 'layout'>;
  /** The call's resolved cache parameters (for its statistics and size limit). */
  cache: ResolvedParams['cache'];
}

/** What a round made of a call that was not served from memory. */
export interface RoundOutcome {
  lib: Library;
  layout: CacheLayout;
  served: ServedEntry;
  outcome: CollectiveOutcome;
  /** Ranks of this rank's group (its leader counts the call for all of them). */
  groupSize: number;
}

/** What the caller decides for the rounds: memory hits, and what a finished call returns. */
export interface RoundHooks<R> {
  /** The result of a call that the in-memory table serves, decided at the call's turn. */
  fromMemory(call: QueuedCall): R | undefined;
  /** The result of a call a round served (records it in the table and the statistics). */
  finish(call: QueuedCall, outcome: RoundOutcome): Promise<R>;
}

export interface Waiting<R> {
  call: QueuedCall;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * The collective calls of one communicator, agreed in rounds (docs/ARCHITECTURE.md, "Rounds"):
 * calls are taken in program order; a round takes every call that all ranks have issued, decides
 * their lookups in one allgather, plans them and starts their builds. The rest of a round (its
 * transfers, reports and loads) runs on a second communicator while the next round agrees on the
 * first, so a call's compile does not hold back the agreement of the calls after it. Both are
 * private duplicates of the program's communicator.
 */
export class CallRounds<R> {
  readonly #queue: Array<Waiting<R>> = [];
  #pumping = false;
  #turns = 0;
  #private: Promise<{ agree: Communicator; finish: Communicator }> | undefined;
  readonly #bounded = new PerCommunicator<number, Communicator>();
  /** The completions of the rounds, one after another. */
  #finishing: Promise<void> = Promise.resolve();
  /** Calls taken into a round and not settled yet, by fingerprint: settled once they are. */
  readonly #unsettled = new Map<string, Promise<void>>();

  constructor(
    private readonly comm: Communicator,
    private readonly hooks: RoundHooks<R>,
  ) {}

  /** Queue a call; resolves with its result once its round is done. */
  submit(call: QueuedCall): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ call, resolve, reject });
      if (!this.#pumping) {
        this.#pumping = true;
        // Calls a program starts together (Promise.all) are all queued before the first round.
        setImmediate(() => void this.#pump());
      }
    });
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#round();
    } finally {
      this.#pumping = false;
    }
  }

  // Two private communicators, split once from the program's: our collectives never meet its own,
  // and a round's completion never meets the next round's agreement.
  #privateComms(timeout: number | undefined): Promise<{ agree: Communicator; finish: Communicator }> {
    if (!this.#private) {
      const base = this.#view(this.comm, timeout);
      const made = (async () => {
        const agree = (await base.split(0, this.comm.rank))!;
        const finish = (await base.split(0, this.comm.rank))!;
        return { agree, finish };
      })();
      this.#private = made;
      made.catch(() => {
        if (this.#private === made) this.#private = undefined;
      });
    }
    return this.#private;
  }

  #view(comm: Communicator, timeout: number | undefined): Communicator {
    return timeout === undefined
      ? comm
      : this.#bounded.get(comm, timeout, () => boundedCommunicator(comm, timeout));
  }

  async #round(): Promise<void> {
    // The head of the queue waits for an unsettled call equal to it, then is decided from memory:
    // by then each rank has seen that call settle, the same way, so every rank decides the same.
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const unsettled = this.#unsettled.get(head.call.fingerprint);
      if (unsettled) {
        await unsettled;
        continue;
      }
      const served = this.hooks.fromMemory(head.call);
      if (served === undefined) break;
      this.#queue.shift();
      head.resolve(served);
    }
    if (this.#queue.length === 0) return;
    const timeout = this.#queue[0]!.call.timeout;
    // Candidates: calls of the head's timeout, up to one equal to an unsettled call (it waits for
    // that one; where it has settled already, the agreement's common prefix stops there too).
    const stop = this.#queue.findIndex(
      (w, i) => i > 0 && (w.call.timeout !== timeout || this.#unsettled.has(w.call.fingerprint)),
    );
    const candidates = this.#queue.slice(0, stop < 0 ? this.#queue.length : stop);
    let taken: Array<Waiting<R>> = candidates.slice(0, 1);
    let agreed = false;
    try {
      const comms = await this.#privateComms(timeout);
      const agree = this.#view(comms.agree, timeout);
      const finish = this.#view(comms.finish, timeout);
      // Every rank's first pending call is the same call: its rendezvous needs no agreement.
      const met = new Map<string, { layout: CacheLayout; topology: Topology }>();
      met.set(candidates[0]!.call.dir, await meetOthers(agree, candidates[0]!.call.dir));
      const works = new Map<number, CollectiveCallWork>();
      const flagOf = async (index: number): Promise<number> => {
        const { call } = candidates[index]!;
        const place = met.get(call.dir);
        if (!place || duplicateOf(candidates, index) !== undefined) return place ? FLAG.member : FLAG.unknown;
        const work = new CollectiveCallWork({ ...call.job, layout: place.layout }, place.topology);
        works.set(index, work);
        return lookupFlag(place.topology, work.steps);
      };
      const agreement = await agreeOnRound(agree, await Promise.all(candidates.map((_, i) => flagOf(i))));
      taken = candidates.slice(0, agreement.count);
      this.#queue.splice(0, taken.length);
      agreed = true;
      const flags = taken.map((_, i) => agreement.flags(i));
      // Calls whose directory no rank had met yet: their rendezvous in call order, then their flags.
      const unmet = taken.flatMap((w, i) => (met.has(w.call.dir) ? [] : [i]));
      if (unmet.length > 0) {
        for (const i of unmet) {
          const { dir } = taken[i]!.call;
          if (!met.has(dir)) met.set(dir, await meetOthers(agree, dir));
        }
        const late = await agreeOnRound(agree, await Promise.all(unmet.map((i) => flagOf(i))));
        unmet.forEach((i, position) => (flags[i] = late.flags(position)));
      }
      const first = taken.map((_, i) => duplicateOf(taken, i));
      const own = taken.flatMap((_, i) => (first[i] === undefined ? [i] : []));
      const calls: CollectiveCall[] = own.map((i) => {
        const { call } = taken[i]!;
        const { topology } = met.get(call.dir)!;
        return {
          topology,
          strategy: call.strategy,
          traits: { hostSpecific: call.hostSpecific, turn: this.#turns + i },
          steps: works.get(i)!.steps,
          hits: hitsOf(topology, flags[i]!),
        };
      });
      this.#turns += taken.length;
      const inFlight = await beginRound(agree, calls);
      const work: RoundWork<R> = { taken, first, own, works, met, inFlight };
      const settled = this.#finishing.then(() => completeRound(finish, work, this.hooks));
      this.#finishing = settled.catch(() => undefined);
      const done = settled.then(
        () => undefined,
        () => undefined,
      );
      for (const { call } of taken) this.#unsettled.set(call.fingerprint, done);
      void done.then(() => {
        for (const { call } of taken) {
          if (this.#unsettled.get(call.fingerprint) === done) this.#unsettled.delete(call.fingerprint);
        }
      });
    } catch (error) {
      // A broken communicator (a timeout, a failed rendezvous): every call of the round fails.
      for (const waiting of taken) waiting.reject(error);
      if (!agreed) this.#queue.splice(0, taken.length);
    }
  }
}

// The earlier call of `calls` equal to call `index` (same fingerprint), which serves it.
function duplicateOf<R>(calls: ReadonlyArray<Waiting<R>>, index: number): number | undefined {
  const found = calls.findIndex((w) => w.call.fingerprint === calls[index]!.call.fingerprint);
  return found < index ? found : undefined;
}

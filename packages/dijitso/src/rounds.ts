import type { CacheLayout } from '@dijitso/core-cache/runtime';
import type { Library } from '@dijitso/loader';
import {
  FLAG,
  agreeOnRound,
  boundedCommunicator,
  collectiveRound,
  hitsOf,
  lookupFlag,
  type BuildStrategy,
  type CollectiveCall,
  type CollectiveOutcome,
  type Communicator,
  type Topology,
} from '@dijitso/mpi-roles';
import type { BuildJob } from './build.js';
import { CollectiveCallWork, meetOthers, type ServedEntry } from './collective.js';
import { loadRound } from './load.js';
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

interface Waiting<R> {
  call: QueuedCall;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * The collective calls of one communicator, agreed in rounds (docs/ARCHITECTURE.md, "Rounds"):
 * calls are taken in program order; a round takes every call that all ranks have issued, decides
 * their lookups in one allgather, plans, builds and ships them together, and loads them with one
 * more. All of it runs on a private duplicate of the program's communicator.
 */
export class CallRounds<R> {
  readonly #queue: Array<Waiting<R>> = [];
  #pumping = false;
  #turns = 0;
  #private: Promise<Communicator> | undefined;
  readonly #bounded = new PerCommunicator<number, Communicator>();

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

  // A private communicator, duplicated once from the program's: our collectives never meet its own.
  #privateComm(timeout: number | undefined): Promise<Communicator> {
    this.#private ??= this.#view(this.comm, timeout).split(0, this.comm.rank) as Promise<Communicator>;
    const made = this.#private;
    made.catch(() => {
      if (this.#private === made) this.#private = undefined;
    });
    return made;
  }

  #view(comm: Communicator, timeout: number | undefined): Communicator {
    return timeout === undefined
      ? comm
      : this.#bounded.get(comm, timeout, () => boundedCommunicator(comm, timeout));
  }

  async #round(): Promise<void> {
    // Memory hits at the head are decided now, when every earlier call is done: the same on every rank.
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const served = this.hooks.fromMemory(head.call);
      if (served === undefined) break;
      this.#queue.shift();
      head.resolve(served);
    }
    if (this.#queue.length === 0) return;
    const timeout = this.#queue[0]!.call.timeout;
    const sameTimeout = this.#queue.findIndex((w) => w.call.timeout !== timeout);
    const candidates = this.#queue.slice(0, sameTimeout < 0 ? this.#queue.length : sameTimeout);
    let taken: Array<Waiting<R>> = candidates.slice(0, 1);
    try {
      const comm = this.#view(await this.#privateComm(timeout), timeout);
      // Every rank's first pending call is the same call: its rendezvous needs no agreement.
      const met = new Map<string, { layout: CacheLayout; topology: Topology }>();
      met.set(candidates[0]!.call.dir, await meetOthers(comm, candidates[0]!.call.dir));
      const works = new Map<number, CollectiveCallWork>();
      const flagOf = async (index: number): Promise<number> => {
        const { call } = candidates[index]!;
        const place = met.get(call.dir);
        if (!place || this.#duplicate(candidates, index)) return place ? FLAG.member : FLAG.unknown;
        const work = new CollectiveCallWork({ ...call.job, layout: place.layout }, place.topology);
        works.set(index, work);
        return lookupFlag(place.topology, work.steps);
      };
      const agreement = await agreeOnRound(comm, await Promise.all(candidates.map((_, i) => flagOf(i))));
      taken = candidates.slice(0, agreement.count);
      this.#queue.splice(0, taken.length);
      const flags = taken.map((_, i) => agreement.flags(i));
      // Calls whose directory no rank had met yet: their rendezvous in call order, then their flags.
      const unmet = taken.flatMap((w, i) => (met.has(w.call.dir) ? [] : [i]));
      if (unmet.length > 0) {
        for (const i of unmet) {
          const { dir } = taken[i]!.call;
          if (!met.has(dir)) met.set(dir, await meetOthers(comm, dir));
        }
        const late = await agreeOnRound(comm, await Promise.all(unmet.map((i) => flagOf(i))));
        unmet.forEach((i, position) => (flags[i] = late.flags(position)));
      }
      await this.#decide(comm, taken, flags, works, met);
    } catch (error) {
      // A broken communicator (a timeout, a failed rendezvous): every call of the round fails.
      for (const waiting of taken) waiting.reject(error);
      if (this.#queue[0] === taken[0]) this.#queue.splice(0, taken.length);
    }
  }

  // A call whose fingerprint an earlier call of the same round has: it is served by that one's library.
  #duplicate(calls: ReadonlyArray<Waiting<R>>, index: number): number | undefined {
    const found = calls.findIndex((w) => w.call.fingerprint === calls[index]!.call.fingerprint);
    return found < index ? found : undefined;
  }

  async #decide(
    comm: Communicator,
    taken: Array<Waiting<R>>,
    flags: number[][],
    works: Map<number, CollectiveCallWork>,
    met: Map<string, { layout: CacheLayout; topology: Topology }>,
  ): Promise<void> {
    const first = taken.map((_, i) => this.#duplicate(taken, i));
    const own = taken.flatMap((_, i) => (first[i] === undefined ? [i] : []));
    const calls: CollectiveCall[] = own.map((i) => {
      const { call } = taken[i]!;
      const { topology } = met.get(call.dir)!;
      const work = works.get(i)!;
      return {
        topology,
        strategy: call.strategy,
        traits: { hostSpecific: call.hostSpecific, turn: this.#turns + i },
        steps: work.steps,
        hits: hitsOf(topology, flags[i]!),
      };
    });
    this.#turns += taken.length;
    const outcomes = await collectiveRound(comm, calls);
    // The calls every rank loads: the same on every rank (those whose round succeeded).
    const loadable = own.flatMap((_, position) =>
      outcomes[position]!.status === 'fulfilled' ? [position] : [],
    );
    const served: Array<ServedEntry | undefined> = [];
    const libs = await loadRound(
      comm,
      loadable.map((position) => {
        const { call } = taken[own[position]!]!;
        const { layout, topology } = met.get(call.dir)!;
        const outcome = (outcomes[position] as PromiseFulfilledResult<CollectiveOutcome>).value;
        try {
          served[position] = works.get(own[position]!)!.served(outcome);
          return { topology, layout, served: served[position], signature: call.signature };
        } catch (failure) {
          // A broken invariant on this rank: it fails the call on every rank in the load round.
          return { topology, layout, failure, signature: call.signature };
        }
      }),
    );
    // Each call settles in call order; a duplicate once the call it rides on has.
    const settled = new Map<number, PromiseSettledResult<R>>();
    const positionOf = new Map(own.map((i, position) => [i, position]));
    for (const [i, waiting] of taken.entries()) {
      let result: PromiseSettledResult<R>;
      const earlier = first[i];
      const position = positionOf.get(i);
      if (earlier !== undefined) {
        const kept =
          settled.get(earlier)!.status === 'fulfilled' ? this.hooks.fromMemory(waiting.call) : undefined;
        result = kept
          ? { status: 'fulfilled', value: kept }
          : (settled.get(earlier) as PromiseRejectedResult);
      } else {
        const outcome = outcomes[position!]!;
        const at = loadable.indexOf(position!);
        const loaded = at >= 0 ? libs[at]! : undefined;
        if (outcome.status === 'rejected') result = outcome;
        else if (loaded!.status === 'rejected') result = loaded as PromiseRejectedResult;
        else {
          const { call } = waiting;
          const { layout, topology } = met.get(call.dir)!;
          result = await this.hooks
            .finish(call, {
              lib: loaded!.value,
              layout,
              served: served[position!]!,
              outcome: outcome.value,
              groupSize: topology.groups[topology.group]!.length,
            })
            .then(
              (value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }),
              (reason: unknown): PromiseSettledResult<R> => ({ status: 'rejected', reason }),
            );
        }
      }
      settled.set(i, result);
      if (result.status === 'fulfilled') waiting.resolve(result.value);
      else waiting.reject(result.reason);
    }
  }
}

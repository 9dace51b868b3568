import type { CacheLayout } from '@dijitso/core-cache/runtime';
import type { Library } from '@dijitso/loader';
import type { CollectiveOutcome, Communicator, RoundInFlight, Topology } from '@dijitso/mpi-roles';
import type { CollectiveCallWork, ServedEntry } from './collective.js';
import { loadRound } from './load.js';
import type { RoundHooks, Waiting } from './rounds.js';

/** What one round hands on to its completion. */
export interface RoundWork<R> {
  taken: Array<Waiting<R>>;
  /** Per taken call, the earlier call of the round it is equal to, if any. */
  first: Array<number | undefined>;
  /** The taken calls that do their own work, by index in `taken`. */
  own: number[];
  works: Map<number, CollectiveCallWork>;
  met: Map<string, { layout: CacheLayout; topology: Topology }>;
  inFlight: RoundInFlight;
}

/**
 * The rest of a round (docs/ARCHITECTURE.md, "Rounds"): its transfers and reports, the loads, then
 * every call settles in call order, each on its own.
 */
export async function completeRound<R>(
  comm: Communicator,
  work: RoundWork<R>,
  hooks: RoundHooks<R>,
): Promise<void> {
  const { taken, own, works, met } = work;
  try {
    const outcomes = await work.inFlight.finish(comm);
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
    await settle(work, hooks, outcomes, loadable, libs, served);
  } catch (error) {
    for (const waiting of taken) waiting.reject(error);
    throw error;
  }
}

async function settle<R>(
  work: RoundWork<R>,
  hooks: RoundHooks<R>,
  outcomes: Array<PromiseSettledResult<CollectiveOutcome>>,
  loadable: number[],
  libs: Array<PromiseSettledResult<Library>>,
  served: Array<ServedEntry | undefined>,
): Promise<void> {
  const { taken, first, own, met } = work;
  // Each call settles in call order; a duplicate once the call it rides on has.
  const settled = new Map<number, PromiseSettledResult<R>>();
  const positionOf = new Map(own.map((i, position) => [i, position]));
  for (const [i, waiting] of taken.entries()) {
    let result: PromiseSettledResult<R>;
    const earlier = first[i];
    const position = positionOf.get(i);
    if (earlier !== undefined) {
      const kept = settled.get(earlier)!.status === 'fulfilled' ? hooks.fromMemory(waiting.call) : undefined;
      result = kept ? { status: 'fulfilled', value: kept } : (settled.get(earlier) as PromiseRejectedResult);
    } else {
      const outcome = outcomes[position!]!;
      const at = loadable.indexOf(position!);
      const loaded = at >= 0 ? libs[at]! : undefined;
      if (outcome.status === 'rejected') result = outcome;
      else if (loaded!.status === 'rejected') result = loaded as PromiseRejectedResult;
      else {
        const { call } = waiting;
        const { layout, topology } = met.get(call.dir)!;
        result = await hooks
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

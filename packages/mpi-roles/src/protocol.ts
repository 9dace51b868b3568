import { CacheIOError, packMsg, unpackMsg } from '@dijitso/core-cache/runtime';
import type { EntryFrame, ErrorPayload } from './frames.js';
import type { BuildStrategy, BuildTraits, Plan } from './strategies/types.js';
import { validatePlan } from './strategies/validate.js';
import { StrategyError } from './errors.js';
import type { Communicator } from './communicator.js';
import { leadersCommunicator } from './leaders.js';
import type { Topology } from './topology.js';
import { LeaderCall, ORIGINS, type GroupReport } from './leader-steps.js';

/** How this rank's group got the library. */
export type CollectiveOrigin = 'disk' | 'built' | 'received' | 'shared';

/** What this rank did in the call. */
export type Role = 'builder' | 'sender' | 'receiver' | 'leader' | 'member';

/** The local work of a collective call, supplied by the caller (dijitso) and run on group leaders. */
export interface CollectiveSteps {
  /** Does this group's directory hold a valid entry? */
  lookup(): Promise<boolean>;
  /**
   * Build and publish into this group's directory; resolves `built` when this rank compiled,
   * `shared` when it obtained the entry without compiling from a store of the caller's (the shared
   * tier), `disk` when another process sharing the directory published the entry meanwhile. A build
   * that holds the entry in memory before publishing it may hand it to `ship`: a sending leader
   * broadcasts it at once, so the receivers publish while this directory does.
   */
  build(ship: (frame: EntryFrame) => void): Promise<'built' | 'shared' | 'disk'>;
  /** Read this group's entry for shipping. */
  readEntry(): Promise<EntryFrame>;
  /** Verify and publish a received entry into this group's directory. */
  publish(frame: EntryFrame): Promise<void>;
  /** Turn an error into what travels (code, name, message, details). */
  serializeError(error: unknown): ErrorPayload;
  /** Rebuild an error raised elsewhere, as an instance of the right class. */
  reviveError(payload: ErrorPayload): Error;
}

/** The outcome on this rank. */
export interface CollectiveOutcome {
  origin: CollectiveOrigin;
  role: Role;
  /** Bytes this rank's group received over `leadersComm`. */
  receivedBytes: number;
  /** Groups that compiled, job-wide (0 when every group hit or found the entry under its lock). */
  builds: number;
  /** The plan, when one was needed. */
  plan: Plan | null;
}

/** One call of a round, with which groups hold its entry (from the round's flags). */
export interface CollectiveCall {
  topology: Topology;
  strategy: BuildStrategy;
  traits: BuildTraits;
  steps: CollectiveSteps;
  hits: ReadonlyArray<boolean>;
}

/** A rank's flag for one call: a leader's lookup missed or hit; a member; a call whose topology this rank does not know yet. */
export const FLAG = { miss: 0, hit: 1, member: 2, unknown: 3 } as const;

/** This rank's flag for a call: its lookup when it leads a group, else `member`. */
export async function lookupFlag(topology: Topology, steps: CollectiveSteps): Promise<number> {
  if (!topology.isLeader) return FLAG.member;
  return (await steps.lookup().catch(() => false)) ? FLAG.hit : FLAG.miss;
}

/** What a round's agreement tells every rank. */
export interface RoundAgreement {
  /** Calls every rank has issued (the common prefix, in program order): this round's calls. */
  count: number;
  /** Every rank's flag for call `i` of the round. */
  flags(i: number): number[];
}

/**
 * The agreement of a round (docs/ARCHITECTURE.md, "The collective protocol"): one allgather in
 * which every rank sends how many calls it has pending and its flag for each. The round takes
 * the calls that every rank has issued.
 */
export async function agreeOnRound(
  comm: Pick<Communicator, 'allgather'>,
  flags: ReadonlyArray<number>,
): Promise<RoundAgreement> {
  const mine = Buffer.alloc(4 + flags.length);
  mine.writeUInt32LE(flags.length, 0);
  flags.forEach((flag, i) => (mine[4 + i] = flag));
  const all = await comm.allgather(mine);
  const count = Math.min(...all.map((bytes) => bytes.readUInt32LE(0)));
  return { count, flags: (i) => all.map((bytes) => bytes[4 + i]!) };
}

/** Which groups of `topology` hold the entry, from every rank's flag for the call. */
export function hitsOf(topology: Topology, flags: ReadonlyArray<number>): boolean[] {
  return topology.leaders.map((leader) => flags[leader] === FLAG.hit);
}

/** A round whose plans are made and whose builds run: what is left is its transfers and its reports. */
export interface RoundInFlight {
  /**
   * Ship in call order (over each call's leaders' communicator), then gather every group's
   * reports on `comm` and settle every call, the same way on every rank.
   */
  finish(comm: Pick<Communicator, 'allgather'>): Promise<Array<PromiseSettledResult<CollectiveOutcome>>>;
}

/**
 * Begin the calls of one round, together (docs/ARCHITECTURE.md, "The collective protocol"):
 * calls whose every group holds the entry are done; for the others the strategies plan, every
 * builder starts at once and the leaders' communicators are made (split from `comm`, in call
 * order). Each call succeeds or fails on its own, the same way on every rank.
 */
export async function beginRound(
  comm: Pick<Communicator, 'split'>,
  calls: ReadonlyArray<CollectiveCall>,
): Promise<RoundInFlight> {
  const results: Array<PromiseSettledResult<CollectiveOutcome>> = calls.map(({ topology }) => ({
    status: 'fulfilled',
    value: {
      origin: 'disk',
      role: topology.isLeader ? 'leader' : 'member',
      receivedBytes: 0,
      builds: 0,
      plan: null,
    },
  }));
  const active: Array<{ index: number; plan: Plan; leader?: LeaderCall }> = [];
  calls.forEach((call, index) => {
    if (call.hits.every(Boolean)) return;
    try {
      active.push({ index, plan: planned(call) });
    } catch (reason) {
      results[index] = { status: 'rejected', reason };
    }
  });
  if (active.length === 0) return { finish: async () => results };

  // Builders start at once, a builder's own work first; then the leaders' communicators.
  for (const item of active) {
    const { topology, steps } = calls[item.index]!;
    if (topology.isLeader) item.leader = new LeaderCall(topology, item.plan, steps);
  }
  const leadersComms = new Map<number, Communicator | null>();
  for (const { index, plan } of active) {
    if (plan.transfers.length > 0)
      leadersComms.set(index, await leadersCommunicator(calls[index]!.topology, comm));
  }
  return { finish: (reportComm) => finishRound(reportComm, calls, active, leadersComms, results) };
}

async function finishRound(
  comm: Pick<Communicator, 'allgather'>,
  calls: ReadonlyArray<CollectiveCall>,
  active: ReadonlyArray<{ index: number; plan: Plan; leader?: LeaderCall }>,
  leadersComms: Map<number, Communicator | null>,
  results: Array<PromiseSettledResult<CollectiveOutcome>>,
): Promise<Array<PromiseSettledResult<CollectiveOutcome>>> {
  for (const { index, leader } of active) {
    const leadersComm = leadersComms.get(index);
    if (leader && leadersComm) await leader.transfers(leadersComm);
  }
  const reports = await Promise.all(active.map(({ leader }) => leader?.report() ?? null));
  const gathered = await comm.allgather(
    reports.some((report) => report !== null) ? packMsg(reports) : Buffer.alloc(0),
  );
  const decoded = new Map<number, Array<GroupReport | null>>();
  const reportsOf = (rank: number): Array<GroupReport | null> => {
    let list = decoded.get(rank);
    if (!list) {
      list = unpackMsg(gathered[rank]!) as Array<GroupReport | null>;
      decoded.set(rank, list);
    }
    return list;
  };
  active.forEach(({ index, plan, leader }, position) => {
    const { topology, steps } = calls[index]!;
    const groups = topology.leaders.map((rank) => reportsOf(rank)[position]!);
    const failedGroup = groups.findIndex((report) => report.error !== undefined);
    if (failedGroup >= 0) {
      const own = failedGroup === topology.group ? leader?.error : undefined;
      results[index] = { status: 'rejected', reason: own ?? steps.reviveError(groups[failedGroup]!.error!) };
      return;
    }
    const mine = groups[topology.group]!;
    results[index] = {
      status: 'fulfilled',
      value: {
        origin: ORIGINS[mine.origin] ?? 'disk',
        role: topology.isLeader ? mine.role : 'member',
        receivedBytes: mine.receivedBytes,
        builds: groups.filter((report) => report.origin === ORIGINS.indexOf('built')).length,
        plan,
      },
    };
  });
  return results;
}

/** A whole round on one communicator: `beginRound`, then its `finish` on the same communicator. */
export async function collectiveRound(
  comm: Pick<Communicator, 'allgather' | 'split'>,
  calls: ReadonlyArray<CollectiveCall>,
): Promise<Array<PromiseSettledResult<CollectiveOutcome>>> {
  return (await beginRound(comm, calls)).finish(comm);
}

/**
 * One collective jit call alone: its leaders look up their directory and an allgather tells
 * everyone which groups hit; when all did, that was the only communication. Otherwise it is a
 * round of one call.
 */
export async function collectiveBuild(
  topology: Topology,
  comm: Pick<Communicator, 'allgather' | 'split'>,
  strategy: BuildStrategy,
  traits: BuildTraits,
  steps: CollectiveSteps,
): Promise<CollectiveOutcome> {
  const agreement = await agreeOnRound(comm, [await lookupFlag(topology, steps)]);
  const hits = hitsOf(topology, agreement.flags(0));
  const [result] = await collectiveRound(comm, [{ topology, strategy, traits, steps, hits }]);
  if (result!.status === 'rejected') throw result!.reason;
  return result!.value;
}

// The plan of a call that some group misses, checked; the same on every rank, so a throw throws
// everywhere, before any rank waits.
function planned({ topology, strategy, traits, hits }: CollectiveCall): Plan {
  // A group that misses but cannot write its directory could never hold the library.
  const stuck = topology.leaders.findIndex((_, group) => !hits[group] && !topology.writable[group]);
  if (stuck >= 0) {
    throw new CacheIOError(
      `The cache directory of rank ${topology.leaders[stuck]} (${topology.hosts[stuck]}) is read-only or not ` +
        'writable by this user, and the library is not in it. Choose a writable directory with ' +
        'params.cache.dir or DIJITSO_CACHE_DIR, or make it writable.',
    );
  }
  return validatePlan(planOf(strategy, topology, hits, traits), topology, hits, traits, strategy.name);
}

// A user's plan runs on every rank with the same inputs: a throw becomes a StrategyError that names the strategy.
function planOf(
  strategy: BuildStrategy,
  topology: Topology,
  hits: ReadonlyArray<boolean>,
  traits: BuildTraits,
): unknown {
  try {
    return strategy.plan(topology, hits, traits);
  } catch (error) {
    if (error instanceof StrategyError) throw error;
    throw new StrategyError(
      `Strategy "${strategy.name}" failed to make a plan: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}

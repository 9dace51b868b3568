import { CacheIOError, packMsg, unpackMsg } from '@dijitso/core-cache/runtime';
import {
  decodeFrame,
  encodeFrame,
  isErrorFrame,
  FRAME_VERSION,
  type EntryFrame,
  type ErrorPayload,
} from './frames.js';
import type { BuildStrategy, BuildTraits, Plan } from './strategies/types.js';
import { validatePlan } from './strategies/validate.js';
import { StrategyError } from './errors.js';
import type { Communicator } from './communicator.js';
import { leadersCommunicator } from './leaders.js';
import type { Topology } from './topology.js';

/** How this rank's group got the library. */
export type CollectiveOrigin = 'disk' | 'built' | 'received';

/** What this rank did in the call. */
export type Role = 'builder' | 'sender' | 'receiver' | 'leader' | 'member';

/** The local work of a collective call, supplied by the caller (dijitso) and run on group leaders. */
export interface CollectiveSteps {
  /** Does this group's directory hold a valid entry? */
  lookup(): Promise<boolean>;
  /**
   * Build and publish into this group's directory; resolves true when this rank compiled, false
   * when another process sharing the directory published the entry meanwhile. A build that holds
   * the entry in memory before publishing it may hand it to `ship`: a sending leader broadcasts it
   * at once, so the receivers publish while this directory does.
   */
  build(ship: (frame: EntryFrame) => void): Promise<boolean>;
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

const ORIGINS: CollectiveOrigin[] = ['disk', 'built', 'received'];

/** What a group's leader reports at the end of a call. */
interface GroupReport {
  origin: number;
  receivedBytes: number;
  role: Role;
  /** This group's failure. */
  error?: ErrorPayload;
}

/**
 * One collective jit call (docs/ARCHITECTURE.md, "The collective protocol"): leaders look up their directory and an allgather tells
 * everyone which groups hit; when all did, that was the only communication. Otherwise the
 * strategy plans, builders build, senders broadcast frames over `leadersComm`, receivers publish;
 * an allgather of every group's report makes every rank return the same way, or throw the same
 * error.
 */
export async function collectiveBuild(
  topology: Topology,
  comm: Pick<Communicator, 'allgather' | 'split'>,
  strategy: BuildStrategy,
  traits: BuildTraits,
  steps: CollectiveSteps,
): Promise<CollectiveOutcome> {
  let hit = false;
  if (topology.isLeader) hit = await steps.lookup().catch(() => false);
  const flags = await comm.allgather(Buffer.from([topology.isLeader ? (hit ? 1 : 0) : 2]));
  const hits = topology.leaders.map((leader) => flags[leader]![0] === 1);
  if (hits.every(Boolean)) {
    return {
      origin: 'disk',
      role: topology.isLeader ? 'leader' : 'member',
      receivedBytes: 0,
      builds: 0,
      plan: null,
    };
  }
  // A group that misses but cannot write its directory could never hold the library: said on
  // every rank before anything is generated or built.
  const stuck = topology.leaders.findIndex((_, group) => !hits[group] && !topology.writable[group]);
  if (stuck >= 0) {
    throw new CacheIOError(
      `The cache directory of rank ${topology.leaders[stuck]} (${topology.hosts[stuck]}) is read-only or not ` +
        'writable by this user, and the library is not in it. Choose a writable directory with ' +
        'params.cache.dir or DIJITSO_CACHE_DIR, or make it writable.',
    );
  }
  const plan = validatePlan(planOf(strategy, topology, hits, traits), topology, hits, traits, strategy.name);

  // Frames travel over the leaders' communicator, made on the first call that sends one.
  const leaders = plan.transfers.length > 0 ? () => leadersCommunicator(topology, comm) : null;
  let report: GroupReport | undefined;
  let ownError: unknown;
  if (topology.isLeader) ({ report, error: ownError } = await leaderSteps(topology, plan, steps, leaders));
  else await leaders?.();
  // Leaders send their group's report, members nothing: one collective tells every rank how its
  // group did and which group failed first (in group order), whose error is the job's.
  const gathered = await comm.allgather(report ? packMsg(report) : Buffer.alloc(0));
  const reports = topology.leaders.map((leader) => unpackMsg(gathered[leader]!) as GroupReport);
  const failedGroup = reports.findIndex((r) => r.error !== undefined);
  if (failedGroup >= 0) {
    if (ownError !== undefined && failedGroup === topology.group) throw ownError;
    throw steps.reviveError(reports[failedGroup]!.error!);
  }
  const mine = reports[topology.group]!;
  return {
    origin: ORIGINS[mine.origin] ?? 'disk',
    role: topology.isLeader ? mine.role : 'member',
    receivedBytes: mine.receivedBytes,
    builds: reports.filter((r) => r.origin === ORIGINS.indexOf('built')).length,
    plan,
  };
}

async function leaderSteps(
  topology: Topology,
  plan: Plan,
  steps: CollectiveSteps,
  leaders: (() => Promise<Communicator | null>) | null,
): Promise<{ report: GroupReport; error: unknown }> {
  const group = topology.group;
  let origin: CollectiveOrigin = 'disk';
  let role: Role = 'leader';
  let error: unknown;
  let failure: ErrorPayload | undefined;
  let receivedBytes = 0;
  const fail = (cause: unknown, payload?: ErrorPayload): void => {
    if (failure) return;
    error = cause;
    failure = payload ?? steps.serializeError(cause);
  };

  // A builder sends what it built as soon as the build hands it over (or, failing that, once the
  // build is done, from its directory); its own publish goes on meanwhile and ends before the outcomes.
  let building: Promise<void> = Promise.resolve();
  let ready: Promise<void> = Promise.resolve();
  let shipped: EntryFrame | undefined;
  if (plan.builders.includes(group)) {
    role = 'builder';
    origin = 'built';
    let handedOver = (): void => undefined;
    ready = new Promise<void>((resolve) => (handedOver = resolve));
    building = steps
      .build((frame) => {
        shipped = frame;
        handedOver();
      })
      .then(
        (compiled) => {
          if (!compiled) origin = 'disk';
        },
        (cause: unknown) => fail(cause),
      )
      .finally(handedOver);
  }
  // Made while the build runs: a builder's own work goes first.
  const leadersComm = await leaders?.();
  for (const transfer of plan.transfers) {
    let payload: Buffer | null = null;
    if (transfer.from === group) {
      if (role === 'leader') role = 'sender';
      // Handed over, failed, or built without handing over (then it is read back from disk).
      await ready;
      payload = failure
        ? encodeFrame({ v: FRAME_VERSION, error: failure })
        : shipped
          ? encodeFrame(shipped)
          : await steps.readEntry().then(
              (frame) => encodeFrame(frame),
              (cause: unknown) => {
                fail(cause);
                return encodeFrame({ v: FRAME_VERSION, error: failure! });
              },
            );
    }
    const bytes = await leadersComm!.bcast(payload, transfer.from);
    if (!transfer.to.includes(group)) continue;
    role = 'receiver';
    origin = 'received';
    receivedBytes += bytes.length;
    try {
      const frame = decodeFrame(bytes, `group ${transfer.from} (${topology.hosts[transfer.from]})`);
      if (isErrorFrame(frame)) {
        const revived = steps.reviveError(frame.error);
        fail(revived, frame.error);
      } else {
        await steps.publish(frame);
      }
    } catch (cause) {
      fail(cause);
    }
  }

  await building;
  const report: GroupReport = { origin: ORIGINS.indexOf(origin), receivedBytes, role };
  if (failure) report.error = failure;
  return { report, error };
}

// A user's plan runs on every rank with the same inputs: a throw throws everywhere, before any rank
// waits, and becomes a StrategyError that names the strategy.
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

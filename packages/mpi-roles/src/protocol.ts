import { DijitsoError, packMsg, unpackMsg } from '@dijitso/core-cache/runtime';
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
import type { Topology } from './topology.js';

/** How this rank's group got the library. */
export type CollectiveOrigin = 'disk' | 'built' | 'received';

/** What this rank did in the call. */
export type Role = 'builder' | 'sender' | 'receiver' | 'leader' | 'member';

/** The local work of a collective call, supplied by the caller (dijitso) and run on group leaders. */
export interface CollectiveSteps {
  /** Does this group's directory hold a valid entry? */
  lookup(): Promise<boolean>;
  /** Build and publish into this group's directory. */
  build(): Promise<void>;
  /** Read this group's entry for shipping. */
  readEntry(): Promise<EntryFrame>;
  /**
   * Optional: start what `publish` will need (loading modules, say), called on a receiving leader
   * before it waits for the entry, so the work overlaps the build elsewhere. Must not throw.
   */
  prepareToReceive?(): void;
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
  /** Groups that compiled, job-wide (0 when every group hit). */
  builds: number;
  /** The plan, when one was needed. */
  plan: Plan | null;
}

const ORIGINS: CollectiveOrigin[] = ['disk', 'built', 'received'];

interface GroupMessage {
  origin: number;
  builds: number;
  receivedBytes: number;
  role: Role;
  error?: ErrorPayload;
  /** Group whose error this is. */
  failedGroup?: number;
}

/**
 * One collective jit step (DESIGN §5): leaders look up their directory and an allgather tells
 * everyone which groups hit; when all did, that was the only communication. Otherwise the
 * strategy plans, builders build, senders broadcast frames over `leadersComm`, receivers publish;
 * an allgather of outcomes among leaders and a broadcast in each group make every rank return
 * the same way, or throw the same error.
 */
export async function collectiveBuild(
  topology: Topology,
  comm: { allgather(data: Buffer): Promise<Buffer[]> },
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
  // Same inputs on every rank: a strategy that throws throws everywhere, before any rank waits.
  const plan = validatePlan(strategy.plan(topology, hits, traits), topology, hits, traits, strategy.name);

  let message: GroupMessage;
  let ownError: unknown;
  if (topology.isLeader) {
    const led = await leaderSteps(topology, plan, steps);
    ownError = led.error;
    message = led.message;
  } else {
    message = { origin: 0, builds: 0, receivedBytes: 0, role: 'member' };
  }
  const received = unpackMsg(
    await topology.groupComm.bcast(topology.isLeader ? packMsg(message) : null, 0),
  ) as GroupMessage;
  if (received.error) {
    if (ownError !== undefined && received.failedGroup === topology.group) throw ownError;
    throw steps.reviveError(received.error);
  }
  return {
    origin: ORIGINS[received.origin] ?? 'disk',
    role: topology.isLeader ? received.role : 'member',
    receivedBytes: received.receivedBytes,
    builds: received.builds,
    plan,
  };
}

async function leaderSteps(
  topology: Topology,
  plan: Plan,
  steps: CollectiveSteps,
): Promise<{ message: GroupMessage; error: unknown }> {
  const group = topology.group;
  const leadersComm = topology.leadersComm!;
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

  if (!plan.builders.includes(group) && plan.transfers.some((transfer) => transfer.to.includes(group))) {
    steps.prepareToReceive?.();
  }
  if (plan.builders.includes(group)) {
    role = 'builder';
    origin = 'built';
    await steps.build().catch((cause: unknown) => fail(cause));
  }
  for (const transfer of plan.transfers) {
    let payload: Buffer | null = null;
    if (transfer.from === group) {
      if (role === 'leader') role = 'sender';
      payload = failure
        ? encodeFrame({ v: FRAME_VERSION, error: failure })
        : await steps.readEntry().then(
            (frame) => encodeFrame(frame),
            (cause: unknown) => {
              fail(cause);
              return encodeFrame({ v: FRAME_VERSION, error: failure! });
            },
          );
    }
    const bytes = await leadersComm.bcast(payload, transfer.from);
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

  // Outcomes of every group: the first failure (in group order) is the job's failure.
  const outcomes = await leadersComm.allgather(failure ? packMsg(failure) : Buffer.alloc(0));
  const failedGroup = outcomes.findIndex((bytes) => bytes.length > 0);
  const builds = plan.builders.length;
  const message: GroupMessage = { origin: ORIGINS.indexOf(origin), builds, receivedBytes, role };
  if (failedGroup >= 0) {
    message.failedGroup = failedGroup;
    message.error = failedGroup === group ? failure! : (unpackMsg(outcomes[failedGroup]!) as ErrorPayload);
  }
  return { message, error };
}

/** The default error serialization: code, name, message; the rest stays on the failing rank. */
export function basicErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof DijitsoError) return { code: error.code, name: error.name, message: error.message };
  const e = error as Error;
  return { code: 'UNKNOWN', name: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

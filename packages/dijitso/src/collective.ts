import {
  CacheCorruptError,
  lookupEntry,
  openCacheSync,
  packMsg,
  preloadHashing,
  randomHex,
  publishEntry,
  readEntryFiles,
  unpackMsg,
  type CacheHit,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import { cpuFingerprint } from '@dijitso/compiler';
import { loaderReady } from '@dijitso/loader';
import {
  FRAME_VERSION,
  collectiveBuild,
  discoverTopology,
  type BuildStrategy,
  type CollectiveOutcome,
  type Communicator,
  type EntryFrame,
  type ErrorPayload,
  type Topology,
} from '@dijitso/mpi-roles';
import { obtainEntry, type BuildJob, type BuiltEntry } from './build.js';
import { HeadStart } from './head-start.js';
import { PerCommunicator } from './per-comm.js';
import { reviveError, serializeError } from './wire-errors.js';

const setups = new PerCommunicator<string, Promise<{ layout: CacheLayout; topology: Topology }>>();

/**
 * Open this rank's cache directory and find the topology, once per (communicator, directory).
 * The ranks first agree that every one of them could open its directory: a rank that cannot
 * must not leave the others waiting in the rendezvous.
 */
function setupCollective(
  comm: Communicator,
  dir: string,
): Promise<{ layout: CacheLayout; topology: Topology }> {
  return setups.get(comm, dir, () => {
    const pending = (async () => {
      let layout: CacheLayout | undefined;
      let failure: unknown;
      try {
        layout = openCacheSync(dir);
      } catch (error) {
        failure = error;
      }
      const id = await agree(comm, failure);
      const topology = await discoverTopology(comm, layout!, { cpu: cpuFingerprint(), id });
      return { layout: layout!, topology };
    })();
    // Every rank fails together, so every rank forgets together and may try again.
    pending.catch(() => setups.delete(comm, dir));
    return pending;
  });
}

/**
 * Allgather of each rank's failure (or a random id); when any rank failed, every rank throws the
 * first failure; else every rank returns rank 0's id, for the rendezvous to name its probes.
 */
async function agree(comm: Communicator, failure: unknown): Promise<string> {
  const statuses = await comm.allgather(
    failure === undefined ? Buffer.from(randomHex(8)) : packMsg(serializeError(failure)),
  );
  const first = statuses.findIndex((bytes) => !/^[0-9a-f]{16}$/.test(bytes.toString('latin1')));
  if (first < 0) return statuses[0]!.toString();
  if (first === comm.rank) throw failure;
  const payload = unpackMsg(statuses[first]!) as ErrorPayload;
  throw reviveError({ ...payload, message: `${payload.message} (raised on rank ${first})` });
}

/** The entry a call loads: a checked hit, or (`meta` absent) one its group's leader has just checked. */
export type ServedEntry = Pick<CacheHit, 'key' | 'libPath'> & { meta?: CacheHit['meta'] };

/**
 * Meet the other ranks (once per communicator and directory), run the collective protocol for one
 * key, then find the entry in this rank's own directory. Every rank returns with the library
 * published locally, or every rank throws the same error. A rank the strategy gives a head start
 * looks its directory up first and, on a miss, starts its compiler before meeting the others.
 * `timeoutMs` is the call's bound on every wait (none when undefined).
 */
export async function obtainCollective(
  job: Omit<BuildJob, 'layout'>,
  comm: Communicator,
  dir: string,
  strategy: BuildStrategy,
  hostSpecific: boolean,
  timeoutMs?: number,
): Promise<{ hit: ServedEntry; outcome: CollectiveOutcome }> {
  const ahead = headStartFor(strategy, comm.rank) ? HeadStart.begin(job, dir) : undefined;
  try {
    // Meet the other ranks once this rank's compiler runs. They start their calls at the same
    // moment: with more ranks than cores, meeting them first gives their work the CPU this rank
    // needs to lock, generate and spawn, which waits for the compiler anyway.
    if (ahead) await ahead.underway(Math.min(HEAD_START_LEAD_MS, (timeoutMs ?? Infinity) / 4));
    const { layout, topology } = await setupCollective(comm, dir);
    return await obtainInGroups({ ...job, layout }, comm, topology, strategy, hostSpecific, ahead);
  } finally {
    if (ahead) {
      ahead.abandon();
      await ahead.settled();
    }
  }
}

// The longest a head start holds back the rendezvous. With 8 ranks on 2 cores, rank 0 took
// 76-116 ms from the start of its call to the compiler's fork while meeting the others, and
// 51-71 ms when it met them after; a generate or a lock wait longer than this may well be moot
// (another directory may have the library), so the ranks meet anyway. Nor longer than a quarter of
// the call's timeout, which bounds the others' wait for this rank in their first collective.
const HEAD_START_LEAD_MS = 250;

// A strategy's own code runs on one rank here, before any collective: a throw means no head start.
function headStartFor(strategy: BuildStrategy, rank: number): boolean {
  try {
    return strategy.headStart?.(rank) === true;
  } catch {
    return false;
  }
}

async function obtainInGroups(
  job: BuildJob,
  comm: Communicator,
  topology: Topology,
  strategy: BuildStrategy,
  hostSpecific: boolean,
  ahead: HeadStart | undefined,
): Promise<{ hit: ServedEntry; outcome: CollectiveOutcome }> {
  const { layout, key } = job;
  // Only leaders look before the first collective: their flags decide. A member whose leader found
  // the entry loads it without a look of its own, since the leader has just checked that very file
  // in the same directory. With more ranks than cores, any work before the collective keeps the
  // ranks that are already there polling for the CPU the others need.
  const own = topology.isLeader ? await (ahead ? ahead.own() : lookupEntry(layout, key)) : null;
  // What this rank published (built, or received), or found published under the lock.
  let published: CacheHit | undefined;
  const outcome = await collectiveBuild(
    topology,
    comm,
    strategy,
    { hostSpecific },
    {
      lookup: async () => own !== null,
      build: async (ship) => {
        const handOver = (entry: BuiltEntry): void => ship(entryFrame(key, entry));
        published = ahead?.building
          ? await ahead.join(handOver)
          : (await obtainEntry(job, { ship: handOver })).hit;
      },
      readEntry: async () => {
        const hit = await lookupEntry(layout, key);
        if (!hit) throw new CacheCorruptError(`${layout.lib(key)} vanished before it could be sent`);
        const files = await readEntryFiles(layout, hit);
        return entryFrame(key, { meta: hit.meta, lib: files.lib, files });
      },
      publish: async (frame) => {
        if (frame.key !== key) {
          throw new CacheCorruptError(
            `Received ${frame.key} while expecting ${key}: ranks called jit() differently`,
          );
        }
        const { v: _v, size: _size, sha256: _sha, published: _published, ...meta } = frame.meta;
        published = await publishEntry(layout, {
          meta,
          lib: frame.files.lib,
          expectedSha256: frame.sha256,
          files: { source: frame.files.src, header: frame.files.header, log: frame.files.log },
        });
      },
      serializeError,
      reviveError,
      whileWaiting: ({ receives }) => {
        ahead?.abandon();
        prepareSoon(receives);
      },
    },
  );
  if (outcome.origin === 'disk' && own !== null) return { hit: own, outcome };
  // Every group succeeded (else collectiveBuild threw): a leader that built or received the entry
  // has the one it published, and a member loads what its leader found or published in this very
  // directory, without a look of its own. A cold call's end is 8 ranks waking at once on 2 cores,
  // where a second look at a file just written is time on the slowest rank.
  if (published !== undefined) return { hit: published, outcome };
  if (!topology.isLeader) return { hit: { key, libPath: layout.lib(key) }, outcome };
  // No quarantine here: moving files is only safe under the key's lock, which this rank does not hold.
  const hit = await lookupEntry(layout, key);
  if (!hit) {
    throw new CacheCorruptError(
      `Rank ${comm.rank}: ${layout.lib(key)} is missing or corrupt right after the collective build ` +
        `(group ${topology.group}, ${outcome.origin})`,
    );
  }
  return { hit, outcome };
}

// How long a rank waiting for a build lets the builder start its compiler before loading what it
// needs afterwards: koffi for the load, and node:crypto to check a received library. With 8 ranks
// on 2 cores a builder without a head start takes 20-30 ms from the plan to the compiler's fork
// (lock, generate, staging): 7 imports at once took the CPU it needed and delayed the compiler by
// 50-70 ms, while imports left to the load ran after the build and added about 60 ms there (80 ms
// at 8 ranks with a head start). A build shorter than this loses nothing: the load and the check
// load what they need themselves.
const PREPARE_DELAY_MS = 100;

function prepareSoon(receives: boolean): void {
  setTimeout(() => {
    void loaderReady().catch(() => undefined);
    if (receives) preloadHashing();
  }, PREPARE_DELAY_MS).unref();
}

function entryFrame(key: string, entry: BuiltEntry): EntryFrame {
  const { meta, lib, files } = entry;
  return {
    v: FRAME_VERSION,
    signature: meta.signature,
    key,
    meta,
    files: { lib, src: files.source, header: files.header, log: files.log },
    sha256: meta.sha256,
  };
}

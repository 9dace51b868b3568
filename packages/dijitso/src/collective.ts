import {
  CacheCorruptError,
  lookupEntry,
  readEntryFiles,
  type CacheHit,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import { cpuFingerprint } from '@dijitso/compiler';
import {
  FRAME_VERSION,
  discoverTopology,
  type CollectiveOutcome,
  type CollectiveSteps,
  type Communicator,
  type EntryFrame,
  type Topology,
} from '@dijitso/mpi-roles';
import { obtainEntry, publishReceived, type BuildJob, type BuiltEntry } from './build.js';
import { reviveError, serializeError } from './wire-errors.js';

/**
 * The entry a rank loads: one it looked up or published itself (`own`, a checked hit), or one the
 * leader of its group looked up or published in this very directory during the call (`leader`).
 */
export type ServedEntry =
  { by: 'own'; hit: CacheHit; libPath: string } | { by: 'leader'; key: string; libPath: string };

/**
 * One collective call's local work on this rank (docs/ARCHITECTURE.md, "A call under MPI"): the
 * steps the protocol runs on group leaders (look up, build, read an entry to send, publish a
 * received one), and, once the call's round has decided, the entry this rank loads. `generate`
 * runs only on a rank whose group the plan makes build, which it does only when no directory of
 * the job holds the library.
 */
export class CollectiveCallWork {
  /** What this rank's lookup found (leaders only look: a member loads what its leader found). */
  #own: CacheHit | null = null;
  /** What this rank published (built, received, or found published under the lock). */
  #published: CacheHit | undefined;
  readonly steps: CollectiveSteps;

  constructor(
    readonly job: BuildJob,
    readonly topology: Topology,
  ) {
    const { key, layout } = job;
    this.steps = {
      lookup: async () => {
        this.#own = await lookupEntry(layout, key);
        return this.#own !== null;
      },
      build: async (ship) => {
        const obtained = await obtainEntry(job, { ship: (entry) => ship(entryFrame(key, entry)) });
        this.#published = obtained.hit;
        return obtained.from;
      },
      readEntry: async () => {
        const hit = this.#own ?? (await lookupEntry(layout, key));
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
        this.#published = await publishReceived(job, {
          meta,
          lib: frame.files.lib,
          expectedSha256: frame.sha256,
          files: { source: frame.files.src, header: frame.files.header, log: frame.files.log },
        });
      },
      serializeError,
      reviveError,
    };
  }

  /**
   * The entry this rank loads once every group holds the library: a leader the one it found or
   * published, a member the one its leader found or published in this very directory.
   */
  served(outcome: CollectiveOutcome): ServedEntry {
    const { key, layout } = this.job;
    if (!this.topology.isLeader) return { by: 'leader', key, libPath: layout.lib(key) };
    const hit = this.#published ?? this.#own;
    if (!hit) {
      // A validated plan leaves no group without the entry, and only its leader acts for a group.
      throw new CacheCorruptError(
        `Rank ${this.topology.rank}: no entry for ${key} in ${layout.dir} after the collective call (${outcome.origin})`,
      );
    }
    return { by: 'own', hit, libPath: hit.libPath };
  }
}

/** The rendezvous of a call's directory (once per communicator and directory). */
export function meetOthers(
  comm: Communicator,
  dir: string,
): Promise<{ layout: CacheLayout; topology: Topology }> {
  return discoverTopology(comm, dir, { cpu: cpuFingerprint(), serializeError, reviveError });
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

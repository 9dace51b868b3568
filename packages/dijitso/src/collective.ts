import {
  CacheCorruptError,
  lookupEntry,
  publishEntry,
  readEntryFiles,
  type CacheHit,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import { cpuFingerprint } from '@dijitso/compiler';
import {
  FRAME_VERSION,
  collectiveBuild,
  discoverTopology,
  type BuildStrategy,
  type CollectiveOutcome,
  type Communicator,
  type EntryFrame,
  type Topology,
} from '@dijitso/mpi-roles';
import { obtainEntry, type BuildJob, type BuiltEntry } from './build.js';
import { reviveError, serializeError } from './wire-errors.js';

/**
 * The entry a rank loads: one it looked up or published itself (`own`, a checked hit), or one the
 * leader of its group looked up or published in this very directory during the call (`leader`).
 */
export type ServedEntry =
  { by: 'own'; hit: CacheHit; libPath: string } | { by: 'leader'; key: string; libPath: string };

/**
 * Meet the other ranks (once per communicator and directory), then run the collective protocol for
 * one key. Every rank returns with the library published in its own directory, or every rank
 * throws the same error. `generate` runs only on a rank whose group the plan makes build, which it
 * does only when no directory of the job holds the library.
 */
export async function obtainCollective(
  job: Omit<BuildJob, 'layout'>,
  comm: Communicator,
  dir: string,
  strategy: BuildStrategy,
  hostSpecific: boolean,
): Promise<{
  layout: CacheLayout;
  topology: Topology;
  served: ServedEntry;
  outcome: CollectiveOutcome;
  groupSize: number;
}> {
  const { layout, topology } = await discoverTopology(comm, dir, {
    cpu: cpuFingerprint(),
    serializeError,
    reviveError,
  });
  const { key } = job;
  const built = { ...job, layout };
  const groupSize = topology.groups[topology.group]!.length;
  // Only leaders look: their flags decide. A member whose leader found the entry loads it without
  // a look of its own, since the leader has just checked that very file in the same directory.
  const own = topology.isLeader ? await lookupEntry(layout, key) : null;
  // What this rank published (built, received, or found published under the lock).
  let published: CacheHit | undefined;
  const outcome = await collectiveBuild(
    topology,
    comm,
    strategy,
    { hostSpecific },
    {
      lookup: async () => own !== null,
      build: async (ship) => {
        const obtained = await obtainEntry(built, { ship: (entry) => ship(entryFrame(key, entry)) });
        published = obtained.hit;
        return obtained.built;
      },
      readEntry: async () => {
        const hit = own ?? (await lookupEntry(layout, key));
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
    },
  );
  // Every group succeeded, else collectiveBuild threw: a leader holds the entry it found or
  // published, and a member loads what its leader did in this very directory.
  if (!topology.isLeader) {
    return { layout, topology, served: { by: 'leader', key, libPath: layout.lib(key) }, outcome, groupSize };
  }
  const hit = published ?? own;
  if (!hit) {
    // A validated plan leaves no group without the entry, and only its leader acts for a group.
    throw new CacheCorruptError(
      `Rank ${comm.rank}: no entry for ${key} in ${layout.dir} after the collective call (${outcome.origin})`,
    );
  }
  return { layout, topology, served: { by: 'own', hit, libPath: hit.libPath }, outcome, groupSize };
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

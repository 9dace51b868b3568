import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CacheCorruptError,
  packMsg,
  randomHex,
  sha256Hex,
  unpackMsg,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import { loadLibrary, loaderReady, type Library } from '@dijitso/loader';
import type { Communicator, ErrorPayload, Topology } from '@dijitso/mpi-roles';
import type { ServedEntry } from './collective.js';
import { JitLoadError } from './errors.js';
import { reviveError, serializeError } from './wire-errors.js';

/** Load the entry a call was served in this process. */
export async function loadServed(served: ServedEntry, signature: string): Promise<Library> {
  return loadPath(served.libPath, signature, served.by === 'leader');
}

async function loadPath(libPath: string, signature: string, foundByLeader: boolean): Promise<Library> {
  try {
    await loaderReady();
  } catch (error) {
    throw new JitLoadError(`Cannot load ${libPath} (${signature}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await loadLibrary(libPath);
  } catch (error) {
    const leaders = foundByLeader
      ? " The leader of this rank's group found that entry in the same directory during this call: " +
        'if the file is missing, it was removed meanwhile, or this host cannot see it yet.'
      : '';
    throw new JitLoadError(
      `The dynamic loader refused ${libPath} (${signature}): ${(error as Error).message}. ` +
        'If a dependency is missing, jit it first into the same cache directory.' +
        leaders,
      { cause: error },
    );
  }
}

/** What a rank that could not load says in the closing round, per call. */
interface LoadFailure {
  /** The call's place in the round. */
  call: number;
  /** The key this rank asked for. */
  key: string;
  error: ErrorPayload;
}

/** What a group's leader ships to members that could not open the library by its name. */
type LibraryCopy = { key: string; sha256: string; lib: Buffer } | { error: ErrorPayload };

/** One call of a round to load: the entry served to this rank, or why this rank has none. */
export type LoadItem = { topology: Topology; layout: CacheLayout; signature: string } & (
  { served: ServedEntry; failure?: undefined } | { served?: undefined; failure: unknown }
);

const LOADED = Buffer.alloc(0);

/**
 * Load the served entries of a round's calls on every rank of `comm`, together
 * (docs/ARCHITECTURE.md, "Loading"): one allgather says who could not load what. A member that
 * could not open what its leader found (a network file system whose client still answers "not
 * found" for a name another host just published, or one that lags behind) gets the bytes from its
 * leader over MPI and loads them through a fresh name; any other failure, or one that persists,
 * fails that call on every rank, so no rank waits on a peer that already failed.
 */
export async function loadRound(
  comm: Communicator,
  items: ReadonlyArray<LoadItem>,
): Promise<Array<PromiseSettledResult<Library>>> {
  const keyOf = (served: ServedEntry | undefined): string =>
    served === undefined ? '' : served.by === 'own' ? served.hit.key : served.key;
  const results = await Promise.all(
    items.map(({ served, failure, signature }) =>
      (served ? loadServed(served, signature) : Promise.reject(failure)).then(
        (value): PromiseSettledResult<Library> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<Library> => ({ status: 'rejected', reason }),
      ),
    ),
  );
  let failures = await failuresOf(comm, results, items, keyOf);
  if (failures.size === 0) return results;

  const retried: number[] = [];
  for (const [call, byRank] of failures) {
    const { topology, layout, served, signature } = items[call]!;
    // Only members whose leader loaded the entry can be helped; any other failure is the call's.
    const hopeless = [...byRank.keys()].find((rank) => {
      const leader = topology.leaders[topology.groupOf[rank]!]!;
      return leader === rank || byRank.has(leader);
    });
    if (hopeless !== undefined) {
      results[call] = {
        status: 'rejected',
        reason: failureOn(comm.rank, hopeless, byRank.get(hopeless)!, results[call]!),
      };
      continue;
    }
    retried.push(call);
    for (const [group, leader] of topology.leaders.entries()) {
      const needy = topology.groups[group]!.filter((rank) => byRank.has(rank));
      if (needy.length === 0) continue;
      const bytes = await comm.bcast(comm.rank === leader ? copyOf(served, keyOf(served)) : null, leader);
      if (!needy.includes(comm.rank)) continue;
      const original =
        results[call]!.status === 'rejected' ? (results[call] as PromiseRejectedResult).reason : undefined;
      results[call] = await loadCopy(
        unpackMsg(bytes) as LibraryCopy,
        keyOf(served),
        layout,
        signature,
        original,
      ).then(
        (value): PromiseSettledResult<Library> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<Library> => ({ status: 'rejected', reason }),
      );
    }
  }
  if (retried.length === 0) return results;
  failures = await failuresOf(comm, results, items, keyOf, new Set(retried));
  for (const [call, byRank] of failures) {
    const first = Math.min(...byRank.keys());
    results[call] = {
      status: 'rejected',
      reason: failureOn(comm.rank, first, byRank.get(first)!, results[call]!),
    };
  }
  return results;
}

// Every rank's failures of the round's calls (only those in `only`, when given), by call then rank.
async function failuresOf(
  comm: Communicator,
  results: ReadonlyArray<PromiseSettledResult<Library>>,
  items: ReadonlyArray<LoadItem>,
  keyOf: (served: ServedEntry | undefined) => string,
  only?: Set<number>,
): Promise<Map<number, Map<number, LoadFailure>>> {
  const mine: LoadFailure[] = [];
  results.forEach((result, call) => {
    if (result.status === 'rejected' && (only === undefined || only.has(call))) {
      mine.push({ call, key: keyOf(items[call]!.served), error: serializeError(result.reason) });
    }
  });
  const all = await comm.allgather(mine.length === 0 ? LOADED : packMsg(mine));
  const failures = new Map<number, Map<number, LoadFailure>>();
  all.forEach((bytes, rank) => {
    if (bytes.length === 0) return;
    for (const failure of unpackMsg(bytes) as LoadFailure[]) {
      if (only !== undefined && !only.has(failure.call)) continue;
      let byRank = failures.get(failure.call);
      if (!byRank) failures.set(failure.call, (byRank = new Map()));
      byRank.set(rank, failure);
    }
  });
  return failures;
}

function failureOn(
  self: number,
  rank: number,
  failure: LoadFailure,
  own: PromiseSettledResult<Library>,
): Error {
  if (rank === self) {
    const reason = own.status === 'rejected' ? own.reason : undefined;
    return reason instanceof Error ? reason : new JitLoadError(String(reason));
  }
  return reviveError({ ...failure.error, message: `${failure.error.message} (raised on rank ${rank})` });
}

// A leader's copy of its checked entry, or why it could not make one.
function copyOf(served: ServedEntry | undefined, key: string): Buffer {
  try {
    if (served?.by !== 'own') throw new JitLoadError(`A group leader holds no checked entry of ${key}`);
    const lib = readFileSync(served.libPath);
    const { size, sha256 } = served.hit.meta;
    if (lib.length !== size || sha256Hex(lib) !== sha256) {
      throw new CacheCorruptError(`${served.libPath} changed after it was checked; run the job again`);
    }
    return packMsg({ key, sha256, lib } satisfies LibraryCopy);
  } catch (error) {
    return packMsg({ error: serializeError(error) } satisfies LibraryCopy);
  }
}

// The copy goes through a name no process has looked up before, so no client cache can answer
// "not found" for it; the mapping outlives the file, which is removed at once.
async function loadCopy(
  copy: LibraryCopy,
  key: string,
  layout: CacheLayout,
  signature: string,
  original: unknown,
): Promise<Library> {
  if ('error' in copy) throw reviveError(copy.error);
  if (copy.key !== key) {
    throw new JitLoadError(
      `This rank asked for ${key} but its group's leader loaded ${copy.key}: the ranks called jit() ` +
        `for ${signature} with different parameters; pass the same params on every rank`,
      { cause: original },
    );
  }
  if (sha256Hex(copy.lib) !== copy.sha256) {
    throw new CacheCorruptError(`The copy of ${key} sent by this rank's leader does not match its sha256`);
  }
  const path = join(layout.tmpDir, `${key}.load-${randomHex(8)}.so`);
  writeFileSync(path, copy.lib, { mode: 0o500 });
  try {
    return await loadPath(path, signature, false);
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // Removed by a cleaner meanwhile: the mapping is what counts.
    }
  }
}

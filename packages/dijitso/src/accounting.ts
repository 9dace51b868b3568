import {
  collectGarbageIfDue,
  countStat,
  flushStats,
  libraryCacheDir,
  openCacheSync,
} from '@dijitso/core-cache/runtime';
import type { Role } from '@dijitso/mpi-roles';
import type { ServedEntry } from './collective.js';
import type { ResolvedParams } from './params.js';

/** How a `jit()` call that went past the in-memory table got its library. */
export interface CallOutcome {
  origin: 'memory' | 'disk' | 'built' | 'received';
  /** Under MPI, this rank's part; a group's build or receipt is counted once, by the rank that did it. */
  role?: Role | undefined;
  /** Under MPI, the bytes this rank's group received. */
  receivedBytes?: number | undefined;
}

/**
 * Count a `jit()` call in the statistics of the cache that served it, and, when this process
 * published into that cache (built or received), write the counts and enforce the size limit if due.
 */
export async function recordJitCall(
  hit: ServedEntry,
  outcome: CallOutcome,
  cache: ResolvedParams['cache'],
): Promise<void> {
  const dir = libraryCacheDir(hit.libPath);
  const { origin, role } = outcome;
  if (origin === 'memory') {
    countStat(dir, 'memoryHits');
    return;
  }
  if (origin === 'disk') {
    countStat(dir, 'diskHits');
    return;
  }
  countStat(dir, 'misses');
  let published = false;
  if (origin === 'built' && (role === undefined || role === 'builder')) {
    countStat(dir, 'builds');
    countStat(dir, 'compileSeconds', hit.meta?.compileSeconds ?? 0);
    published = true;
  } else if (origin === 'received' && (role === undefined || role === 'receiver')) {
    countStat(dir, 'received');
    countStat(dir, 'bytesReceived', outcome.receivedBytes ?? 0);
    published = true;
  }
  if (published) {
    // A build or a receive is visible to `dijitso stats` at once; hits follow within seconds.
    await flushStats();
    await collectGarbageIfDue(openCacheSync(dir), { maxSize: cache.maxSize, lockStaleMs: cache.lockStaleMs });
  }
}

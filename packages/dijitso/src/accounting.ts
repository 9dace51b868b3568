import { collectGarbageIfDue, countStat, flushStats, type CacheLayout } from '@dijitso/core-cache/runtime';
import type { Role } from '@dijitso/mpi-roles';
import type { ServedEntry } from './collective.js';
import type { ResolvedParams } from './params.js';

/** How a `jit()` call that went past the in-memory table got its library. */
export interface CallOutcome {
  origin: 'disk' | 'built' | 'received' | 'shared';
  /** Under MPI, this rank's part; a group's build or receipt is counted once, by the rank that did it. */
  role?: Role | undefined;
  /** Under MPI, the bytes this rank's group received. */
  receivedBytes?: number | undefined;
}

/**
 * Count a `jit()` call in the statistics of the cache that served it, as `calls` calls: 1 alone;
 * under MPI a group's leader counts its whole group and the others nothing, so the ranks that only
 * load never write statistics into a shared directory. When this process published into that cache
 * (built or received), write the counts and enforce the size limit if due.
 */
export async function recordJitCall(
  layout: CacheLayout,
  served: ServedEntry,
  outcome: CallOutcome,
  calls: number,
  cache: ResolvedParams['cache'],
): Promise<void> {
  if (calls === 0) return;
  const { origin, role } = outcome;
  if (origin === 'disk') {
    countStat(layout.dir, 'diskHits', calls);
    return;
  }
  countStat(layout.dir, 'misses', calls);
  let published = false;
  if (origin === 'built' && (role === undefined || role === 'builder')) {
    countStat(layout.dir, 'builds');
    countStat(layout.dir, 'compileSeconds', served.by === 'own' ? served.hit.meta.compileSeconds : 0);
    published = true;
  } else if (origin === 'shared' && (role === undefined || role === 'builder')) {
    // The copy from the shared tier counted its own hit and bytes.
    published = true;
  } else if (origin === 'received' && (role === undefined || role === 'receiver')) {
    countStat(layout.dir, 'received');
    countStat(layout.dir, 'bytesReceived', outcome.receivedBytes ?? 0);
    published = true;
  }
  if (published) {
    // A build or a receive is visible to `dijitso stats` at once; hits follow within seconds.
    await flushStats();
    await collectGarbageIfDue(layout, { maxSize: cache.maxSize, lockStaleMs: cache.lockStaleMs });
  }
}

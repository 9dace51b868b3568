// The size limit, enforced now and then after a publish. Kept apart from gc.ts so that a program
// that only jits loads the collector (and the entry scanner behind it) on the rare due check.
import { stat, writeFile } from 'node:fs/promises';
import type { GcReport } from './gc.js';
import type { CacheLayout } from './layout.js';
import { withLockIfFree } from './lock.js';

/** The size limit is enforced after a publish when it was last enforced longer ago than this. */
export const SIZE_CHECK_INTERVAL_MS = 3600 * 1000;
/** ...or after this many publishes by one process, whichever comes first. */
export const PUBLISHES_BETWEEN_SIZE_CHECKS = 100;

const publishesSinceCheck = new Map<string, number>();

/**
 * Enforce the cache's size limit (`cache.maxSize` in bytes; 0 means no limit) now and then, after
 * a publish: when the last enforcement (by any process, `gc.stamp`) is over an hour old, or every
 * `PUBLISHES_BETWEEN_SIZE_CHECKS` publishes of this process. Costs one `stat` otherwise, and never
 * runs on a hit. One process collects at a time; a failure is a warning, never the caller's error.
 */
export async function collectGarbageIfDue(
  layout: CacheLayout,
  options: { maxSize: number; lockStaleMs?: number },
): Promise<GcReport | null> {
  try {
    const publishes = (publishesSinceCheck.get(layout.dir) ?? 0) + 1;
    publishesSinceCheck.set(layout.dir, publishes);
    if (
      publishes < PUBLISHES_BETWEEN_SIZE_CHECKS &&
      !(await stampOlderThan(layout, SIZE_CHECK_INTERVAL_MS))
    ) {
      return null;
    }
    publishesSinceCheck.set(layout.dir, 0);
    let report: GcReport | null = null;
    await withLockIfFree(layout.gcStamp, options.lockStaleMs ?? 10_000, async () => {
      await writeFile(layout.gcStamp, `${new Date().toISOString()}\n`, { mode: 0o600 });
      // The collector and what it scans load only when a check is due, never on a plain publish.
      const { collectGarbage } = await import('./gc.js');
      report = await collectGarbage(layout, {
        maxSize: options.maxSize > 0 ? options.maxSize : undefined,
        ...(options.lockStaleMs !== undefined ? { lockStaleMs: options.lockStaleMs } : {}),
        // An entry in use right now may be between its lookup and its dlopen in another process.
        keepUsedWithinMs: 10 * 60 * 1000,
      });
    });
    return report;
  } catch (error) {
    process.emitWarning(
      `dijitso: enforcing the size limit of the cache ${layout.dir} failed: ${(error as Error).message}. ` +
        'Run `dijitso gc` to retry and `dijitso doctor` to check the cache.',
    );
    return null;
  }
}

async function stampOlderThan(layout: CacheLayout, ageMs: number): Promise<boolean> {
  try {
    return (await stat(layout.gcStamp)).mtimeMs < Date.now() - ageMs;
  } catch {
    return true;
  }
}

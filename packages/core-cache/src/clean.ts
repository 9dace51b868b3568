import type { CacheLayout } from './layout.js';
import { scanEntries } from './entries.js';
import { removeFiles, removeLeftovers, type LeftoverCounts } from './housekeeping.js';

/** What `cleanCache` removed. */
export interface CleanReport {
  /** Published entries removed. */
  entries: number;
  /** Bytes of their files. */
  bytes: number;
  leftovers: LeftoverCounts;
}

/**
 * Empty the cache: every entry (the library first, so each disappears at once), every kept failure,
 * and the leftovers of dead processes. Live builds keep their staging folders and locks, and the
 * statistics stay (zero them with `zeroStats`), as with `ccache -C`.
 */
export async function cleanCache(
  layout: CacheLayout,
  options: { lockStaleMs?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<CleanReport> {
  const scanned = await scanEntries(layout);
  const published = scanned.filter((entry) => entry.published);
  let done = 0;
  let bytes = 0;
  for (const entry of published) {
    await removeFiles(entry.paths);
    bytes += entry.size;
    options.onProgress?.(++done, published.length);
  }
  const leftovers = await removeLeftovers(layout, {
    unpublished: scanned.filter((entry) => !entry.published),
    allOrphans: true,
    failureMaxAgeMs: 0,
    ...(options.lockStaleMs !== undefined ? { lockStaleMs: options.lockStaleMs } : {}),
  });
  return { entries: published.length, bytes, leftovers };
}

import type { CacheLayout } from './layout.js';
import { describeEntries, scanEntries, type EntryInfo } from './entries.js';
import { removeFiles, removeLeftovers, type LeftoverCounts } from './housekeeping.js';
import { withLockIfFree } from './lock.js';
import { foldOldStats } from './stats-slots.js';

/** Options of `collectGarbage`. */
export interface GcOptions {
  /** Evict least-recently-used entries until the entries take at most this many bytes (0 evicts all). */
  maxSize?: number | undefined;
  /** Evict entries not used for longer than this (ms); also the age of `err/` folders to remove. */
  maxAgeMs?: number | undefined;
  /** Never evict entries used within this many ms (default 0). */
  keepUsedWithinMs?: number;
  /** The cache's `lockStaleMs`, to tell dead locks from live ones. Default 10 s. */
  lockStaleMs?: number;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Called as entries are considered, with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
  now?: number;
}

/** An entry removed by gc. */
export interface EvictedEntry {
  key: string;
  signature: string;
  size: number;
  lastUsed: number;
  /** Over the age limit, over the size limit, or linked against an evicted entry. */
  reason: 'age' | 'size' | 'dependency';
}

/** What `collectGarbage` did (or, in a dry run, would do). */
export interface GcReport {
  dryRun: boolean;
  evicted: EvictedEntry[];
  freedBytes: number;
  /** Keys left in place because another process held their lock (building or publishing them). */
  busy: string[];
  /** Entries and bytes left. */
  entries: number;
  totalSize: number;
  leftovers: LeftoverCounts;
  /** Statistics files in the per-process format of older versions, folded into the slot files. */
  statsFilesMerged: number;
}

/**
 * Evict entries unused for longer than `maxAgeMs`, then least-recently-used entries until the
 * cache is within `maxSize`; remove leftovers (staging, probes, dead locks, old failures,
 * half-published entries) and fold statistics files of older versions into the slot files. Last
 * use is the library's atime (set on hits at most every few minutes) or mtime; an entry counts as
 * used whenever a library linked against it is, and evicting it evicts those libraries too (they
 * could no longer load). Each eviction holds the key's lock, so an entry being built or published
 * is never touched.
 */
export async function collectGarbage(layout: CacheLayout, options: GcOptions = {}): Promise<GcReport> {
  const now = options.now ?? Date.now();
  const staleMs = options.lockStaleMs ?? 10_000;
  const scanned = await scanEntries(layout);
  const entries = await describeEntries(layout, scanned);
  const lastUse = effectiveLastUse(entries);
  const dependents = dependentsOf(entries);
  const order = [...entries].sort(
    (a, b) => lastUse.get(a.key)! - lastUse.get(b.key)! || a.key.localeCompare(b.key),
  );
  // Entries last used after this are kept (none is, unless asked: a clock ahead must not shield one).
  const keepAfter = options.keepUsedWithinMs ? now - options.keepUsedWithinMs : Infinity;
  const report: GcReport = {
    dryRun: options.dryRun === true,
    evicted: [],
    freedBytes: 0,
    busy: [],
    entries: entries.length,
    totalSize: entries.reduce((sum, entry) => sum + entry.size, 0),
    leftovers: { staging: 0, probes: 0, locks: 0, failures: 0, orphans: 0 },
    statsFilesMerged: 0,
  };
  const gone = new Set<string>();

  const evictOne = async (entry: EntryInfo, reason: EvictedEntry['reason']): Promise<void> => {
    if (gone.has(entry.key)) return;
    gone.add(entry.key);
    const removed =
      options.dryRun ||
      (await withLockIfFree(layout.lock(entry.key), staleMs, () => removeFiles(entry.paths)));
    if (!removed) {
      report.busy.push(entry.key);
      return;
    }
    report.evicted.push({
      key: entry.key,
      signature: entry.signature,
      size: entry.size,
      lastUsed: lastUse.get(entry.key)!,
      reason,
    });
    report.freedBytes += entry.size;
    report.entries -= 1;
    report.totalSize -= entry.size;
    for (const dependent of dependents.get(entry.key) ?? []) await evictOne(dependent, 'dependency');
  };

  let done = 0;
  const progress = (): void => options.onProgress?.(++done, order.length * 2);
  for (const entry of order) {
    const last = lastUse.get(entry.key)!;
    if (options.maxAgeMs !== undefined && last < now - options.maxAgeMs && last < keepAfter) {
      await evictOne(entry, 'age');
    }
    progress();
  }
  for (const entry of order) {
    if (
      options.maxSize !== undefined &&
      report.totalSize > options.maxSize &&
      lastUse.get(entry.key)! < keepAfter
    ) {
      await evictOne(entry, 'size');
    }
    progress();
  }

  const failureMaxAgeMs = options.maxAgeMs;
  report.leftovers = await removeLeftovers(layout, {
    unpublished: scanned.filter((entry) => !entry.published),
    lockStaleMs: staleMs,
    ...(failureMaxAgeMs !== undefined ? { failureMaxAgeMs: Math.max(1, failureMaxAgeMs) } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    now,
  });
  report.statsFilesMerged = await foldOldStats(layout, { dryRun: options.dryRun === true });
  return report;
}

/** Last use of each entry, raised to the last use of every library linked against it. */
function effectiveLastUse(entries: EntryInfo[]): Map<string, number> {
  const lastUse = new Map(entries.map((entry) => [entry.key, entry.lastUsed]));
  // Dependency chains are short and acyclic (a dependency exists before its dependents): relax
  // until nothing changes, bounded in case a damaged meta forms a cycle.
  for (let round = 0; round < entries.length; round++) {
    let changed = false;
    for (const entry of entries) {
      for (const dependency of entry.meta?.dependencies ?? []) {
        const own = lastUse.get(dependency);
        const through = lastUse.get(entry.key)!;
        if (own !== undefined && own < through) {
          lastUse.set(dependency, through);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return lastUse;
}

function dependentsOf(entries: EntryInfo[]): Map<string, EntryInfo[]> {
  const dependents = new Map<string, EntryInfo[]>();
  for (const entry of entries) {
    for (const dependency of entry.meta?.dependencies ?? []) {
      dependents.set(dependency, [...(dependents.get(dependency) ?? []), entry]);
    }
  }
  return dependents;
}

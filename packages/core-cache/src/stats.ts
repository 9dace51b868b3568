import { CacheLayout } from './layout.js';
import { STATS_SLOTS, readStatsFiles } from './stats-files.js';
import { addToSlotSync, homeSlot, zeroSlots } from './stats-slots.js';
import { addCounters, isZero, zeroCounters, type StatName, type StatsCounters } from './stats-counters.js';

/**
 * Statistics are counted in memory and added to one of the cache's fixed slot files
 * (`stats-files.ts`): at once when the caller awaits `flushStats` (after a build, a receive or a
 * failure), at most every `STATS_FLUSH_INTERVAL_MS` for hits, and at exit. A running job's counts
 * are visible to `dijitso stats` within seconds, and `stats/` stays small however many processes ran.
 */

/** Counts not flushed explicitly reach the disk within this long (and at exit). */
export const STATS_FLUSH_INTERVAL_MS = 5000;

/** The summed statistics of a cache directory. */
export interface CacheStatistics {
  counters: StatsCounters;
  /** When counting started (the oldest count, or the last zeroing), ms since the epoch. */
  since: number | undefined;
  /** How many statistics files were summed. */
  files: number;
  /** Files that could not be parsed and were left out. */
  unreadable: number;
}

interface Pending {
  since: number;
  counters: StatsCounters;
}

// Slots a flush tries before keeping its counts for the next one; at exit, all of them.
const SLOT_TRIES = 4;
const RETRIES = 3;
const EXIT_PATIENCE_MS = 2000;

const pending = new Map<string, Pending>();
let exitHookInstalled = false;
let timer: NodeJS.Timeout | undefined;

/**
 * Add `amount` to the counter `name` of the cache directory `dir` (a `CacheLayout.dir`) in this
 * process's memory. It reaches the disk within `STATS_FLUSH_INTERVAL_MS`, at exit, or when the
 * caller awaits `flushStats`.
 */
export function countStat(dir: string, name: StatName, amount = 1): void {
  let entry = pending.get(dir);
  if (entry === undefined) {
    entry = { since: Date.now(), counters: zeroCounters() };
    pending.set(dir, entry);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushStatsSync);
    }
  }
  entry.counters[name] += amount;
  armTimer();
}

/** What this process counted for `dir` and has not written yet. */
export function pendingStats(dir: string): StatsCounters {
  return { ...(pending.get(dir)?.counters ?? zeroCounters()) };
}

/**
 * Write what this process counted and has not written, for every cache directory. When the slots
 * it tries stay locked by other processes, the counts are kept for the next flush. Never rejects:
 * a cache that vanished or became read-only keeps its counts in memory, and loses them at exit.
 */
export async function flushStats(): Promise<void> {
  for (let attempt = 0; writePending(SLOT_TRIES) && attempt < RETRIES; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt));
  }
  if (pending.size > 0) armTimer();
}

/**
 * `flushStats` for the 'exit' handler, synchronous: it tries every slot, and waits up to two seconds
 * for one to free up. Never throws.
 */
export function flushStatsSync(): void {
  const deadline = Date.now() + EXIT_PATIENCE_MS;
  while (writePending(STATS_SLOTS) && Date.now() < deadline) sleepSync(5);
}

/**
 * Sum every statistics file of the cache, plus (unless `includePending` is false) what this
 * process counted and has not written yet.
 */
export async function readStats(
  layout: CacheLayout,
  options: { includePending?: boolean } = {},
): Promise<CacheStatistics> {
  const files = await readStatsFiles(layout);
  const counters = zeroCounters();
  let since: number | undefined;
  for (const { record } of [...files.slots, ...files.old]) {
    addCounters(counters, record.counters);
    since = Math.min(since ?? record.since, record.since);
  }
  const own = pending.get(layout.dir);
  if (own && options.includePending !== false) {
    addCounters(counters, own.counters);
    since = Math.min(since ?? own.since, own.since);
  }
  return {
    counters,
    since,
    files: files.slots.length + files.old.length,
    unreadable: files.unreadable,
  };
}

/**
 * Zero the statistics of the cache: reset every slot (under its lock), remove the files of older
 * versions, and forget this process's unwritten counts. Counts other running processes have not
 * written yet are added when they flush.
 */
export async function zeroStats(layout: CacheLayout): Promise<void> {
  pending.delete(layout.dir);
  await zeroSlots(layout);
}

// Try to write every directory's pending counts into one of `tries` slots; true when some are left
// because every slot tried was locked. A directory that cannot be written keeps its counts, quietly.
function writePending(tries: number): boolean {
  let busy = false;
  for (const [dir, entry] of pending) {
    if (isZero(entry.counters)) {
      pending.delete(dir);
      continue;
    }
    const layout = new CacheLayout(dir);
    const home = homeSlot();
    let written = false;
    try {
      for (let i = 0; i < tries && !written; i++) {
        written = addToSlotSync(layout, (home + i) % STATS_SLOTS, entry.counters, entry.since);
      }
    } catch {
      continue;
    }
    // The slot was renamed into place with exactly these counts: forget them, or they count twice.
    if (written) pending.delete(dir);
    else busy = true;
  }
  return busy;
}

function armTimer(): void {
  if (timer !== undefined) return;
  timer = setTimeout(() => {
    timer = undefined;
    void flushStats();
  }, STATS_FLUSH_INTERVAL_MS);
  timer.unref();
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CacheLayout } from './layout.js';
import { CacheIOError } from './errors.js';
import { randomHex } from './hash.js';

/**
 * Statistics are counted without any shared lock: each process adds to counters in memory and, at
 * exit (or on `flushStats`), writes what it counted since its last flush into a new file of its
 * own, `stats/<host>-<pid>-<random>.json`, staged in `tmp/` and renamed. Files are never rewritten,
 * so summing, zeroing and merging them cannot race with a writer (the reason ccache keeps counters
 * per subdirectory).
 */

/** The counters kept per cache directory. */
export interface StatsCounters {
  /** `jit()` calls served from the process's table of loaded libraries. */
  memoryHits: number;
  /** `jit()` calls served from the disk cache. */
  diskHits: number;
  /** `jit()` calls whose first lookup found nothing (built here, waited for, or received). */
  misses: number;
  /** Compiles run by this cache's users. */
  builds: number;
  /** Seconds those compiles took. */
  compileSeconds: number;
  /** Entries received from another group over MPI. */
  received: number;
  /** Bytes of those entries. */
  bytesReceived: number;
  /** Corrupt entries found, moved to `err/` and rebuilt. */
  corruptHealed: number;
}

/** The name of one counter. */
export type StatName = keyof StatsCounters;

/** The names of every counter, in display order. */
export const STAT_NAMES: readonly StatName[] = [
  'memoryHits',
  'diskHits',
  'misses',
  'builds',
  'compileSeconds',
  'received',
  'bytesReceived',
  'corruptHealed',
];

/** The summed statistics of a cache directory. */
export interface CacheStatistics {
  counters: StatsCounters;
  /** When counting started (the oldest file, or the last zeroing), ms since the epoch. */
  since: number | undefined;
  /** How many statistics files were summed. */
  files: number;
  /** Files that could not be parsed and were left out. */
  unreadable: number;
}

interface StatsFile {
  v: 1;
  host: string;
  pid: number;
  since: number;
  until: number;
  counters: StatsCounters;
}

interface Pending {
  since: number;
  counters: StatsCounters;
}

const pending = new Map<string, Pending>();
let exitHookInstalled = false;

/** Counters that are all zero. */
export function zeroCounters(): StatsCounters {
  return Object.fromEntries(STAT_NAMES.map((name) => [name, 0])) as unknown as StatsCounters;
}

/**
 * Add `amount` to the counter `name` of the cache directory `dir` (a `CacheLayout.dir`) in this
 * process's memory; nothing touches the disk until `flushStats` or exit.
 */
export function countStat(dir: string, name: StatName, amount = 1): void {
  let entry = pending.get(dir);
  if (entry === undefined) {
    entry = { since: Date.now(), counters: zeroCounters() };
    pending.set(dir, entry);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // 'exit' handlers must be synchronous, which is why flushStats is.
      process.on('exit', flushStats);
    }
  }
  entry.counters[name] += amount;
}

/** What this process counted for `dir` and has not written yet. */
export function pendingStats(dir: string): StatsCounters {
  return { ...(pending.get(dir)?.counters ?? zeroCounters()) };
}

/**
 * Write every directory's unwritten counters into a new file of this process, synchronously (it
 * runs in the 'exit' handler). A cache that is gone or read-only loses the counts, never the program.
 */
export function flushStats(): void {
  const until = Date.now();
  for (const [dir, entry] of pending) {
    pending.delete(dir);
    if (STAT_NAMES.every((name) => entry.counters[name] === 0)) continue;
    const layout = new CacheLayout(dir);
    const name = statsFileName();
    const staged = join(layout.tmpDir, `stats-${name}`);
    const record: StatsFile = {
      v: 1,
      host: hostname(),
      pid: process.pid,
      since: entry.since,
      until,
      counters: entry.counters,
    };
    try {
      writeFileSync(staged, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
      renameSync(staged, layout.stats(name));
    } catch {
      try {
        unlinkSync(staged);
      } catch {
        // Nothing was staged.
      }
    }
  }
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
  for (const file of files.records) {
    addCounters(counters, file.record.counters);
    since = Math.min(since ?? file.record.since, file.record.since);
  }
  const own = pending.get(layout.dir);
  if (own && options.includePending !== false) {
    addCounters(counters, own.counters);
    since = Math.min(since ?? own.since, own.since);
  }
  return { counters, since, files: files.records.length, unreadable: files.unreadable };
}

/**
 * Zero the statistics of the cache: remove every file, forget this process's unwritten counts and
 * write a zero baseline that records when counting restarted.
 */
export async function zeroStats(layout: CacheLayout): Promise<void> {
  pending.delete(layout.dir);
  for (const name of await listFolder(layout.statsDir)) {
    await unlink(layout.stats(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw ioError(`remove ${layout.stats(name)}`, error);
    });
  }
  const now = Date.now();
  await writeStatsFile(layout, {
    v: 1,
    host: hostname(),
    pid: process.pid,
    since: now,
    until: now,
    counters: zeroCounters(),
  });
}

/**
 * Merge the statistics files older than `olderThanMs` into one (keeps `stats/` small on a busy
 * cache); returns how many files were merged. With `dryRun`, only counts them.
 */
export async function mergeStats(
  layout: CacheLayout,
  olderThanMs: number,
  options: { dryRun?: boolean; now?: number } = {},
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - olderThanMs;
  const { records } = await readStatsFiles(layout);
  const old = records.filter((file) => file.mtimeMs < cutoff);
  if (old.length < 2) return 0;
  if (options.dryRun) return old.length;
  const counters = zeroCounters();
  for (const file of old) addCounters(counters, file.record.counters);
  const merged: StatsFile = {
    v: 1,
    host: hostname(),
    pid: process.pid,
    since: Math.min(...old.map((file) => file.record.since)),
    until: Math.max(...old.map((file) => file.record.until)),
    counters,
  };
  // Stage first, remove the originals, then publish: a crash in between loses counts but never
  // counts anything twice.
  const name = statsFileName();
  const staged = join(layout.tmpDir, `stats-${name}`);
  try {
    await writeFile(staged, JSON.stringify(merged) + '\n', { mode: 0o600, flag: 'wx' });
    for (const file of old) await unlink(layout.stats(file.name)).catch(() => undefined);
    await rename(staged, layout.stats(name));
  } catch (error) {
    throw ioError(`merge statistics files in ${layout.statsDir}`, error);
  }
  return old.length;
}

async function writeStatsFile(layout: CacheLayout, record: StatsFile): Promise<void> {
  const name = statsFileName();
  const staged = join(layout.tmpDir, `stats-${name}`);
  try {
    await writeFile(staged, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
    await rename(staged, layout.stats(name));
  } catch (error) {
    throw ioError(`write a statistics file into ${layout.statsDir}`, error);
  }
}

async function readStatsFiles(
  layout: CacheLayout,
): Promise<{ records: Array<{ name: string; mtimeMs: number; record: StatsFile }>; unreadable: number }> {
  const records: Array<{ name: string; mtimeMs: number; record: StatsFile }> = [];
  let unreadable = 0;
  for (const name of await listFolder(layout.statsDir)) {
    if (!name.endsWith('.json')) continue;
    let text: string;
    let mtimeMs: number;
    try {
      [text, { mtimeMs }] = await Promise.all([
        readFile(layout.stats(name), 'utf8'),
        stat(layout.stats(name)),
      ]);
    } catch {
      // Merged or zeroed by another process since the listing.
      continue;
    }
    const record = parseStatsFile(text);
    if (record) records.push({ name, mtimeMs, record });
    else unreadable += 1;
  }
  return { records, unreadable };
}

function parseStatsFile(text: string): StatsFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<StatsFile>;
  if (record.v !== 1 || typeof record.since !== 'number' || typeof record.until !== 'number')
    return undefined;
  const counters = record.counters as Record<string, unknown> | undefined;
  if (typeof counters !== 'object' || counters === null) return undefined;
  const checked = zeroCounters();
  for (const name of STAT_NAMES) {
    const count = counters[name] ?? 0;
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) return undefined;
    checked[name] = count;
  }
  return { ...(record as StatsFile), counters: checked };
}

function addCounters(total: StatsCounters, more: StatsCounters): void {
  for (const name of STAT_NAMES) total[name] += more[name];
}

// Stats stay independent of the entry modules: entry.ts counts quarantines through this file.
async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(`list ${dir}`, error);
  }
}

function ioError(doing: string, error: unknown): CacheIOError {
  return new CacheIOError(`Could not ${doing}: ${(error as Error).message}`, { cause: error });
}

function statsFileName(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_') || 'host';
  return `${host}-${process.pid}-${randomHex(6)}.json`;
}

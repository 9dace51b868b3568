import { unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type { CacheLayout } from './layout.js';
import { CacheIOError } from './errors.js';
import { sha256Text } from './hash.js';
import { addCounters, zeroCounters, type StatsCounters } from './stats-counters.js';
import {
  STATS_SLOTS,
  ioError,
  listStats,
  publishSlotSync,
  readSlotSync,
  readStatsFiles,
  removeQuietly,
  slotOfName,
  stageSlotSync,
  writeSlotSync,
  type SlotRecord,
} from './stats-files.js';

// Each slot is updated under its own lock (proper-lockfile, as for entries): read, add, stage in
// tmp/, rename. A rename publishes exactly the counts read plus the ones added, so two writers can
// never count anything twice; the lock keeps them from losing each other's counts.

// A slot is locked for a read and a rename: a lock this old belongs to a process that died.
const SLOT_LOCK_STALE_MS = 10_000;

type Lockfile = typeof import('proper-lockfile');
let lockfile: Lockfile | undefined;

// proper-lockfile is CommonJS: require() loads it synchronously, as the 'exit' handler needs, and
// only in a process that has counts to write.
function lockModule(): Lockfile {
  lockfile ??= createRequire(import.meta.url)('proper-lockfile') as Lockfile;
  return lockfile;
}

/** The slot this process tries first, spread over the slots by host and pid. */
export function homeSlot(): number {
  return Number.parseInt(sha256Text(`${hostname()}/${process.pid}`).slice(0, 8), 16) % STATS_SLOTS;
}

/**
 * Take the lock of `slot` if it is free; undefined when another process holds it. Other failures
 * (a cache that vanished or is read-only) throw.
 */
export function lockSlotSync(layout: CacheLayout, slot: number): (() => void) | undefined {
  try {
    return lockModule().lockSync(layout.statsLock(slot), {
      realpath: false,
      stale: SLOT_LOCK_STALE_MS,
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
}

/** Take the lock of `slot`, waiting up to `patienceMs` for its holder; CacheIOError after that. */
export async function lockSlot(layout: CacheLayout, slot: number, patienceMs = 10_000): Promise<() => void> {
  const deadline = Date.now() + patienceMs;
  for (let delay = 2; ; delay = Math.min(100, delay * 2)) {
    const release = lockSlotSync(layout, slot);
    if (release) return release;
    if (Date.now() > deadline) {
      throw new CacheIOError(
        `The statistics slot ${layout.statsSlot(slot)} stayed locked for ${patienceMs} ms ` +
          `(lock ${layout.statsLock(slot)}.lock); retry, or remove the lock if no process is using the cache.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Add `counters`, counted since `since`, to `slot` under its lock. Returns false and changes nothing
 * when another process holds the lock or the slot holds a file this version cannot read (a newer
 * format, whose counts are not ours to rewrite). Other failures throw, having written nothing.
 */
export function addToSlotSync(
  layout: CacheLayout,
  slot: number,
  counters: StatsCounters,
  since: number,
): boolean {
  const release = lockSlotSync(layout, slot);
  if (release === undefined) return false;
  try {
    const current = readSlotSync(layout, slot);
    if (current === null) return false;
    const total = zeroCounters();
    if (current) addCounters(total, current.counters);
    addCounters(total, counters);
    writeSlotSync(layout, slot, {
      v: 2,
      since: Math.min(current?.since ?? since, since),
      updated: Date.now(),
      counters: total,
    });
    return true;
  } finally {
    releaseQuietly(release);
  }
}

/**
 * Fold the statistics files of older versions into one slot and remove them; returns how many were
 * folded (with `dryRun`, how many would be). The new slot is staged first, the files are removed,
 * then the slot is renamed into place: a crash in between loses counts, never counts them twice.
 */
export async function foldOldStats(layout: CacheLayout, options: { dryRun?: boolean } = {}): Promise<number> {
  const { old } = await readStatsFiles(layout);
  if (old.length === 0 || options.dryRun) return old.length;
  const { slot, release, current } = await lockReadableSlot(layout);
  const sum = (files: typeof old): SlotRecord => {
    const record: SlotRecord = {
      v: 2,
      since: current?.since ?? Date.now(),
      updated: Date.now(),
      counters: zeroCounters(),
    };
    if (current) addCounters(record.counters, current.counters);
    for (const file of files) {
      addCounters(record.counters, file.record.counters);
      record.since = Math.min(record.since, file.record.since);
    }
    return record;
  };
  try {
    let staged = stageSlotSync(layout, slot, sum(old));
    const removed = old.filter(({ name }) => {
      try {
        unlinkSync(layout.stats(name));
        return true;
      } catch {
        // Folded by another process meanwhile: its counts are in that process's slot.
        return false;
      }
    });
    if (removed.length < old.length) {
      removeQuietly(staged);
      staged = stageSlotSync(layout, slot, sum(removed));
    }
    publishSlotSync(layout, slot, staged);
    return removed.length;
  } catch (error) {
    throw ioError(`fold old statistics files into ${layout.statsSlot(slot)}`, error);
  } finally {
    releaseQuietly(release);
  }
}

/**
 * Reset every slot to zero counts since now (waiting for each slot's lock) and remove the files of
 * older versions. Unreadable slot files are reset too. This process's slot is written even when it
 * had no file, so the time of the reset is kept.
 */
export async function zeroSlots(layout: CacheLayout): Promise<void> {
  const now = Date.now();
  const names = await listStats(layout);
  const slots = new Set([homeSlot()]);
  for (const name of names) {
    const slot = slotOfName(name);
    if (slot !== undefined) slots.add(slot);
  }
  for (const slot of [...slots].sort((a, b) => a - b)) {
    const release = await lockSlot(layout, slot);
    try {
      writeSlotSync(layout, slot, { v: 2, since: now, updated: now, counters: zeroCounters() });
    } catch (error) {
      throw ioError(`reset ${layout.statsSlot(slot)}`, error);
    } finally {
      releaseQuietly(release);
    }
  }
  for (const name of names) {
    if (slotOfName(name) !== undefined || !name.endsWith('.json')) continue;
    try {
      unlinkSync(layout.stats(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw ioError(`remove ${layout.stats(name)}`, error);
    }
  }
}

// A slot whose file this version can read (or that has none), locked: this process's first.
async function lockReadableSlot(
  layout: CacheLayout,
): Promise<{ slot: number; release: () => void; current: SlotRecord | undefined }> {
  const home = homeSlot();
  const deadline = Date.now() + 10_000;
  for (let delay = 2; ; delay = Math.min(100, delay * 2)) {
    for (let i = 0; i < STATS_SLOTS; i++) {
      const slot = (home + i) % STATS_SLOTS;
      const release = lockSlotSync(layout, slot);
      if (release === undefined) continue;
      let current: SlotRecord | undefined | null;
      try {
        current = readSlotSync(layout, slot);
      } catch (error) {
        releaseQuietly(release);
        throw ioError(`read ${layout.statsSlot(slot)}`, error);
      }
      if (current !== null) return { slot, release, current };
      releaseQuietly(release);
    }
    if (Date.now() > deadline) {
      throw new CacheIOError(
        `No statistics slot in ${layout.statsDir} could be locked and read; retry when fewer processes use the cache.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function releaseQuietly(release: () => void): void {
  try {
    release();
  } catch {
    // The lock went stale and was taken over: what we wrote is written.
  }
}

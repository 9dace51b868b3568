import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheLayout } from './layout.js';
import { CacheIOError } from './errors.js';
import { randomHex } from './hash.js';
import { checkCounters, type StatsCounters } from './stats-counters.js';

/**
 * The statistics files of a cache, as ccache keeps them: a fixed set of slot files
 * `stats/NN.json` (JSON, readable with any tool), each rewritten whole by `stats-slots.ts` under
 * its lock, so `stats/` holds at most `STATS_SLOTS` files however many processes ran. Older versions
 * wrote one file per process (`stats/<host>-<pid>-<random>.json`); those are read too.
 */

/** How many slot files a cache has at most. */
export const STATS_SLOTS = 64;

/** The slot number of a slot file's name, or undefined for another name. */
export function slotOfName(name: string): number | undefined {
  const match = /^(\d\d)\.json$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The content of a slot file. */
export interface SlotRecord {
  v: 2;
  /** When the oldest count in the slot was made (or the slot zeroed), ms since the epoch. */
  since: number;
  /** When the slot was last written. */
  updated: number;
  counters: StatsCounters;
}

/** A statistics file in the per-process format of older versions. */
export interface OldStatsRecord {
  v: 1;
  since: number;
  until: number;
  counters: StatsCounters;
}

/** Every statistics file of a cache, parsed. */
export interface StatsFiles {
  slots: Array<{ slot: number; record: SlotRecord }>;
  old: Array<{ name: string; record: OldStatsRecord }>;
  /** Files that could not be parsed. */
  unreadable: number;
}

/** Write `record` for `slot` into a new file in `tmp/`; returns its path, for `publishSlotSync`. */
export function stageSlotSync(layout: CacheLayout, slot: number, record: SlotRecord): string {
  const staged = join(layout.tmpDir, `stats-${slot}.${randomHex(6)}`);
  try {
    writeFileSync(staged, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    removeQuietly(staged);
    throw error;
  }
  return staged;
}

/** Rename a staged record over the file of `slot` (call it holding the slot's lock). */
export function publishSlotSync(layout: CacheLayout, slot: number, staged: string): void {
  try {
    renameSync(staged, layout.statsSlot(slot));
  } catch (error) {
    removeQuietly(staged);
    throw error;
  }
}

/** Replace the file of `slot` with `record` (call it holding the slot's lock). */
export function writeSlotSync(layout: CacheLayout, slot: number, record: SlotRecord): void {
  publishSlotSync(layout, slot, stageSlotSync(layout, slot, record));
}

/** Remove a file, if it is there. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}

/** Read and parse every statistics file of the cache. */
export async function readStatsFiles(layout: CacheLayout): Promise<StatsFiles> {
  const files: StatsFiles = { slots: [], old: [], unreadable: 0 };
  for (const name of await listStats(layout)) {
    if (!name.endsWith('.json')) continue;
    let text: string;
    try {
      text = await readFile(layout.stats(name), 'utf8');
    } catch {
      // Folded or zeroed by another process since the listing.
      continue;
    }
    const slot = slotOfName(name);
    const record = slot === undefined ? parseOldStats(text) : parseSlot(text);
    if (record === undefined) files.unreadable += 1;
    else if (slot !== undefined) files.slots.push({ slot, record: record as SlotRecord });
    else files.old.push({ name, record: record as OldStatsRecord });
  }
  return files;
}

/** The names in `stats/`, sorted; none when it is missing. */
export async function listStats(layout: CacheLayout): Promise<string[]> {
  try {
    return (await readdir(layout.statsDir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(`list ${layout.statsDir}`, error);
  }
}

/** The slot's record; undefined when it has no file, null when its file cannot be read as a slot. */
export function readSlotSync(layout: CacheLayout, slot: number): SlotRecord | undefined | null {
  let text: string;
  try {
    text = readFileSync(layout.statsSlot(slot), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseSlot(text) ?? null;
}

function parseSlot(text: string): SlotRecord | undefined {
  const value = parseJson(text);
  if (value?.v !== 2 || typeof value.since !== 'number' || typeof value.updated !== 'number')
    return undefined;
  const counters = checkCounters(value.counters);
  return counters && { v: 2, since: value.since, updated: value.updated, counters };
}

function parseOldStats(text: string): OldStatsRecord | undefined {
  const value = parseJson(text);
  if (value?.v !== 1 || typeof value.since !== 'number' || typeof value.until !== 'number') return undefined;
  const counters = checkCounters(value.counters);
  return counters && { v: 1, since: value.since, until: value.until, counters };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A `CacheIOError` saying what failed. Stats stay independent of the entry modules, which count through them. */
export function ioError(doing: string, error: unknown): CacheIOError {
  if (error instanceof CacheIOError) return error;
  return new CacheIOError(`Could not ${doing}: ${(error as Error).message}`, { cause: error });
}

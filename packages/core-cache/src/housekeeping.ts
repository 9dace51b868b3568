import { lstat, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheLayout } from './layout.js';
import { listFolder, type ScannedEntry } from './entries.js';
import { deadLockAgeMs, isKeyLocked } from './lock.js';
import { isCacheKey } from './signature.js';
import { ioError } from './publish.js';

/** A staging folder, probe file or half-published entry this old belongs to nobody alive. */
export const LEFTOVER_GRACE_MS = 10 * 60 * 1000;
/** Failed builds kept in `err/` are removed after this long unless told otherwise. */
export const FAILURE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** What `removeLeftovers` removed (or, in a dry run, would remove). */
export interface LeftoverCounts {
  /** Folders and files in `tmp/` left by crashed builds or writers. */
  staging: number;
  /** Rendezvous probe files in `comm/`. */
  probes: number;
  /** Lock folders in `locks/` whose holder is dead, and heartbeat counters without a lock. */
  locks: number;
  /** Kept failed builds and quarantined entries in `err/`. */
  failures: number;
  /** Files of keys with no published library (an interrupted publish or eviction). */
  orphans: number;
}

/** Options of `removeLeftovers`. */
export interface LeftoverOptions {
  /** The files of keys without a library, from `scanEntries`. */
  unpublished: ScannedEntry[];
  /** The cache's `lockStaleMs`: locks are removed only well after they went stale. Default 10 s. */
  lockStaleMs?: number;
  /** Remove `err/` folders older than this (default 7 days; 0 removes them all). */
  failureMaxAgeMs?: number;
  /** Remove half-published entries whatever their age (emptying the cache). */
  allOrphans?: boolean;
  dryRun?: boolean;
  now?: number;
}

/**
 * Remove what crashed or finished processes left behind: staging folders in `tmp/` (unless a live
 * builder holds their key's lock), stale probes in `comm/`, dead locks and the heartbeat counters
 * left without one, old `err/` folders, and the files of keys whose library is gone.
 */
export async function removeLeftovers(
  layout: CacheLayout,
  options: LeftoverOptions,
): Promise<LeftoverCounts> {
  const now = options.now ?? Date.now();
  const staleMs = options.lockStaleMs ?? 10_000;
  const counts: LeftoverCounts = { staging: 0, probes: 0, locks: 0, failures: 0, orphans: 0 };
  const remove = async (path: string): Promise<void> => {
    if (options.dryRun) return;
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      throw ioError(`remove ${path}`, error);
    }
  };

  for (const name of await listFolder(layout.tmpDir)) {
    const path = join(layout.tmpDir, name);
    if (!(await olderThan(path, now - LEFTOVER_GRACE_MS))) continue;
    // Staging folders are `<key>.<6 random characters>` (mkdtemp): a slow compile keeps its lock alive.
    const key = name.slice(0, -7);
    if (name[name.length - 7] === '.' && isCacheKey(key) && (await isKeyLocked(layout, key, staleMs)))
      continue;
    await remove(path);
    counts.staging += 1;
  }
  for (const name of await listFolder(layout.commDir)) {
    const path = join(layout.commDir, name);
    if (!(await olderThan(path, now - LEFTOVER_GRACE_MS))) continue;
    await remove(path);
    counts.probes += 1;
  }
  const lockCutoff = now - deadLockAgeMs(staleMs);
  const names = await listFolder(layout.locksDir);
  const deadLocks = new Set<string>();
  for (const name of names) {
    const path = join(layout.locksDir, name);
    if (!name.endsWith('.lock') || !(await olderThan(path, lockCutoff))) continue;
    await remove(path);
    deadLocks.add(name);
    counts.locks += 1;
  }
  // A heartbeat counter outlives its lock when the holder was killed, or a waiter gave up after
  // asking the server for it (heartbeat.ts). A live holder's lock folder is beside its counter.
  for (const name of names) {
    const path = join(layout.locksDir, name);
    if (!name.endsWith('.lock.beat') || !(await olderThan(path, lockCutoff))) continue;
    const lock = name.slice(0, -'.beat'.length);
    if (!deadLocks.has(lock) && (await exists(join(layout.locksDir, lock)))) continue;
    await remove(path);
    counts.locks += 1;
  }
  const failureCutoff = now - (options.failureMaxAgeMs ?? FAILURE_MAX_AGE_MS);
  for (const name of await listFolder(layout.errDir)) {
    const path = join(layout.errDir, name);
    if (options.failureMaxAgeMs !== 0 && !(await olderThan(path, failureCutoff))) continue;
    await remove(path);
    counts.failures += 1;
  }
  for (const entry of options.unpublished) {
    if (entry.published) continue;
    // The sources and meta are renamed into place just before the library: a fresh orphan may be a publish.
    if (!options.allOrphans && entry.newest > now - LEFTOVER_GRACE_MS) continue;
    if (!options.dryRun) await removeFiles(entry.paths);
    counts.orphans += 1;
  }
  return counts;
}

/** Unlink `paths` in order (the library first, so the entry disappears at once); missing files are fine. */
export async function removeFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`remove ${path}`, error);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function olderThan(path: string, cutoffMs: number): Promise<boolean> {
  try {
    return (await lstat(path)).mtimeMs < cutoffMs;
  } catch {
    return false;
  }
}

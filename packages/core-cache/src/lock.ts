import type { CacheLayout } from './layout.js';
import { JitTimeoutError } from './errors.js';
import { fileSystemKind } from './fs-kind.js';
import { Heartbeat, HeartbeatWatch } from './heartbeat.js';
import { ioError } from './publish.js';

type LockModule = typeof import('proper-lockfile');
let lockModule: LockModule | undefined;

// proper-lockfile is only needed on a miss (or by the tools): a hit does not load it.
export async function lockfile(): Promise<LockModule> {
  lockModule ??= ((await import('proper-lockfile')) as unknown as { default: LockModule }).default;
  return lockModule;
}

/** Tuning of the per-key lock. */
export interface LockOptions {
  /**
   * A lock whose holder's heartbeat has not changed for this long, on the waiter's clock, is stale
   * and taken over (a crashed builder). The holder beats every `staleMs / 5`. Default 10 s.
   */
  staleMs?: number;
  /** Give up waiting for another process's build after this long. Default: wait forever. */
  timeoutMs?: number;
}

// proper-lockfile's own staleness (by the lock folder's mtime) is never reached: a remote client
// can see that mtime frozen while its holder is alive (see heartbeat.ts).
const NEVER_STALE_MS = 10 * 365 * 24 * 3600 * 1000;

const DEAD_LOCK_MIN_MS = 10 * 60 * 1000;

/**
 * How old a lock's mtime must be before a process that cannot wait and watch a heartbeat
 * (`withLockIfFree`, `isKeyLocked`, gc) takes its holder for dead: far beyond what a network
 * client's attribute cache can freeze (NFS keeps a folder's attributes up to 60 s) and the clock
 * skew between hosts (a holder sets that mtime from its own clock). At least twice `staleMs`.
 */
export function deadLockAgeMs(staleMs: number): number {
  return Math.max(DEAD_LOCK_MIN_MS, 2 * staleMs);
}

/** Raised when waiting on another process's build takes longer than `timeoutMs`. */
export class LockTimeoutError extends JitTimeoutError {}

/** Result of `buildOnce`: the value and whether this process built it. */
export interface BuildOnceResult<T> {
  value: T;
  built: boolean;
}

/**
 * Get `key` from the cache or build it, with at most one builder across all processes sharing the
 * directory: the lock holder looks again, then builds, beating a heartbeat inside the lock; the
 * others poll until the entry appears or the lock frees up, or its heartbeat stops for `staleMs`
 * (its holder died: the lock is renamed aside and taken over), so they load what the winner published.
 */
export async function buildOnce<T>(
  layout: CacheLayout,
  key: string,
  steps: {
    lookup: (underLock: boolean) => Promise<T | null>;
    build: () => Promise<T>;
  },
  options: LockOptions = {},
): Promise<BuildOnceResult<T>> {
  const staleMs = Math.max(2000, options.staleMs ?? 10_000);
  const beatMs = Math.max(200, Math.floor(staleMs / 5));
  const lockDir = `${layout.lock(key)}.lock`;
  const started = Date.now();
  const { lock } = await lockfile();
  let watch: HeartbeatWatch | undefined;
  let delay = 5;
  for (;;) {
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lock(layout.lock(key), {
        realpath: false,
        stale: NEVER_STALE_MS,
        update: Math.max(1000, beatMs),
        retries: 0,
        // A compromised lock (taken over while we were too slow to beat) means another process
        // may build too. Both publish by rename, but its lookup may ask the server about the name
        // (lookupEntry's underLock) just as ours lands, and remove it: a load then fails once.
        onCompromised: () => undefined,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw ioError(`lock ${layout.lock(key)}`, error);
    }
    if (release) {
      const heartbeat = new Heartbeat(lockDir, beatMs);
      try {
        const found = await steps.lookup(true);
        if (found !== null) return { value: found, built: false };
        return { value: await steps.build(), built: true };
      } finally {
        heartbeat.stop();
        await release().catch(() => undefined);
      }
    }
    const found = await steps.lookup(false);
    if (found !== null) return { value: found, built: false };
    watch ??= new HeartbeatWatch(lockDir, staleMs, fileSystemKind(layout.dir) === 'network');
    if (watch.isStale()) {
      watch.takeOver();
      watch = undefined;
      continue;
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new LockTimeoutError(
        `Timed out after ${options.timeoutMs} ms waiting for another process to build ${key} ` +
          `(lock ${lockDir}). If no process is building it, the lock is taken over once its heartbeat ` +
          `has not changed for ${staleMs} ms.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(200, Math.ceil(delay * 1.5));
  }
}

/**
 * Run `action` holding the lock at `path` (a key's `layout.lock(key)`, or another cache file) if
 * nobody holds it; resolve false without waiting when another process does (it is building or
 * publishing that key, or collecting garbage, so the caller should leave it alone). A lock older
 * than `deadLockAgeMs(staleMs)` is a dead holder's, and is taken.
 */
export async function withLockIfFree(
  path: string,
  staleMs: number,
  action: () => Promise<void>,
): Promise<boolean> {
  const { lock } = await lockfile();
  let release: () => Promise<void>;
  try {
    release = await lock(path, {
      realpath: false,
      stale: deadLockAgeMs(staleMs),
      retries: 0,
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return false;
    throw ioError(`lock ${path}`, error);
  }
  try {
    await action();
    return true;
  } finally {
    await release().catch(() => undefined);
  }
}

/** True when a live process holds the lock of `key` (one older than `deadLockAgeMs` is dead). */
export async function isKeyLocked(layout: CacheLayout, key: string, staleMs: number): Promise<boolean> {
  const { check } = await lockfile();
  return check(layout.lock(key), { realpath: false, stale: deadLockAgeMs(staleMs) }).catch(() => false);
}

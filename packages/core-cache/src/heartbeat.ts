import { closeSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { openOnServer } from './fs-kind.js';
import { randomHex } from './hash.js';

// Staleness of a build lock is judged by progress a waiter can see, never by the lock's mtime: on
// a network file system a waiter's client caches that mtime (it stays frozen for tens of seconds
// while the holder refreshes it). The holder rewrites a counter inside the lock folder; a waiter
// reads it on each poll (an open revalidates the file on NFS and FUSE) and times changes with its
// own clock. The counter has a fixed width, so a client's cached size never cuts a read short. It
// lives beside the lock folder, not in it: proper-lockfile takes a change of its folder's mtime for
// a lock taken over.

const BEAT_WIDTH = 16;

/** The heartbeat file of the lock folder `lockDir`. */
export function beatPath(lockDir: string): string {
  return `${lockDir}.beat`;
}

/** The heartbeat a lock holder keeps while it holds the lock folder `lockDir`. */
export class Heartbeat {
  readonly #path: string;
  readonly #timer: NodeJS.Timeout;
  #count = 0;

  /** Start beating for the lock folder `lockDir` now and every `intervalMs`. */
  constructor(lockDir: string, intervalMs: number) {
    this.#path = beatPath(lockDir);
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), intervalMs);
  }

  /** Stop beating and remove the counter. */
  stop(): void {
    clearInterval(this.#timer);
    try {
      unlinkSync(this.#path);
    } catch {
      // Already gone: nothing of ours is left to remove.
    }
  }

  #beat(): void {
    this.#count += 1;
    try {
      // In place, not by rename: a waiter's client may hold the old name's file handle.
      const fd = openSync(this.#path, 'w', 0o600);
      try {
        writeSync(fd, String(this.#count).padStart(BEAT_WIDTH, '0'));
      } finally {
        closeSync(fd);
      }
    } catch {
      // Taken over, or the cache went away: the build goes on, and publishing by rename is safe.
    }
  }
}

/**
 * The counter at `path`, '' when there is none (yet: a holder writes one as soon as it has the
 * lock). On a network file system a counter this client says is missing is asked of the server
 * (`openOnServer`): a look just before the holder's first beat can stay "missing" in a client
 * longer than a lock takes to go stale. The empty counter that open makes when there is none is
 * overwritten in place by the next holder, who removes it on release (gc removes one left
 * without a lock).
 */
function readCounter(path: string, network: boolean): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    if (!network) return '';
    try {
      const fd = openOnServer(path);
      try {
        return readFileSync(fd, 'latin1');
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }
}

/** What a waiter has seen of one lock's heartbeat. */
export class HeartbeatWatch {
  readonly #path: string;
  readonly #lockDir: string;
  readonly #staleMs: number;
  readonly #network: boolean;
  #last: string | undefined;
  #changedAt = Date.now();

  /** `network`: the lock lives on a file system other kernels may share (`fileSystemKind`). */
  constructor(lockDir: string, staleMs: number, network: boolean) {
    this.#network = network;
    this.#lockDir = lockDir;
    this.#path = beatPath(lockDir);
    this.#staleMs = staleMs;
  }

  /** True when the heartbeat has not changed for `staleMs` of this process's clock. */
  isStale(): boolean {
    const now = readCounter(this.#path, this.#network);
    if (now !== this.#last) {
      this.#last = now;
      this.#changedAt = Date.now();
      return false;
    }
    return Date.now() - this.#changedAt >= this.#staleMs;
  }

  /**
   * Take a stale lock away: rename its folder to a unique name first (of several waiters only one
   * succeeds; a holder that was merely slow finds its lock gone), then remove it. False when
   * another waiter took it first.
   */
  takeOver(): boolean {
    const aside = `${this.#lockDir}.stale-${randomHex(6)}`;
    try {
      renameSync(this.#lockDir, aside);
    } catch {
      return false;
    }
    rmSync(aside, { recursive: true, force: true });
    return true;
  }
}

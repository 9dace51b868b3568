import {
  accessSync,
  chmodSync,
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheIOError, CacheUnsafeError, ParameterError, describe } from './errors.js';
import { checkSafe, groupId, type TrustedGroup } from './trust.js';

/** Source languages the cache stores; decides the source file extension. */
export type Language = 'c' | 'c++';

/** File extension of a source in `language`. */
export function sourceExtension(language: Language): 'c' | 'cpp' {
  return language === 'c' ? 'c' : 'cpp';
}

const SUBDIRS = ['lib', 'src', 'log', 'err', 'tmp', 'locks', 'comm', 'stats'] as const;

/** Every path of a cache directory; the only place where cache paths are built. */
export class CacheLayout {
  /** Absolute path of the cache directory. */
  readonly dir: string;
  readonly libDir: string;
  readonly srcDir: string;
  readonly logDir: string;
  readonly errDir: string;
  readonly tmpDir: string;
  readonly locksDir: string;
  readonly commDir: string;
  /** The statistics slot files (`NN.json`), summed by `readStats`. */
  readonly statsDir: string;
  /** Touched whenever the size limit was last enforced; its age decides when to enforce it again. */
  readonly gcStamp: string;
  /**
   * Whether this process may write into the directory (set by `openCache`: false on a read-only
   * mount or without write permission). A cache it cannot write still serves hits.
   */
  writable = true;
  /**
   * Whether the directory belongs to the group trusted to write it (`openCache`'s `trustedGroup`):
   * folders are then made group-writable (setgid, so their files keep the group) and published
   * files group-readable.
   */
  groupShared = false;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.libDir = join(this.dir, 'lib');
    this.srcDir = join(this.dir, 'src');
    this.logDir = join(this.dir, 'log');
    this.errDir = join(this.dir, 'err');
    this.tmpDir = join(this.dir, 'tmp');
    this.locksDir = join(this.dir, 'locks');
    this.commDir = join(this.dir, 'comm');
    this.statsDir = join(this.dir, 'stats');
    this.gcStamp = join(this.dir, 'gc.stamp');
  }

  /** The published shared library of `key`. */
  lib(key: string): string {
    return join(this.libDir, `${key}.so`);
  }

  /** The msgpack metadata of `key`. */
  meta(key: string): string {
    return join(this.libDir, `${key}.meta`);
  }

  /** The lz4-compressed source of `key`. */
  source(key: string, language: Language): string {
    return join(this.srcDir, `${key}.${sourceExtension(language)}.lz4`);
  }

  /** The lz4-compressed header of `key`. */
  header(key: string): string {
    return join(this.srcDir, `${key}.h.lz4`);
  }

  /** The lz4-compressed compiler output of a successful build of `key`. */
  log(key: string): string {
    return join(this.logDir, `${key}.log.lz4`);
  }

  /** The folder keeping the last failed build of `key`. */
  failure(key: string): string {
    return join(this.errDir, key);
  }

  /** A statistics file named `name` (a name listed in `stats/`, never user text). */
  stats(name: string): string {
    return join(this.statsDir, name);
  }

  /** The statistics slot file number `slot` (0-99). */
  statsSlot(slot: number): string {
    return join(this.statsDir, `${String(slot).padStart(2, '0')}.json`);
  }

  /** The lock path of statistics slot `slot` (proper-lockfile adds `.lock`). */
  statsLock(slot: number): string {
    return join(this.locksDir, `stats-${String(slot).padStart(2, '0')}`);
  }

  /** The lock file path (proper-lockfile adds `.lock`) of `key`. */
  lock(key: string): string {
    return join(this.locksDir, key);
  }
}

/** Options of `openCache`. */
export interface OpenOptions {
  /**
   * A group (name or numeric gid) whose members may write the directory: a directory and folders
   * of that group, writable by it, are accepted (whoever owns them) when this user belongs to it.
   * Never a directory others can write to.
   */
  trustedGroup?: string | undefined;
}

const opened = new Map<string, CacheLayout>();

/**
 * Create (mode 0700) and check the cache directory `dir`, once per process.
 * Refuses a directory, or one of its folders, that another user owns or can write to (unless
 * `options.trustedGroup` is its group), and folders inside the cache that are symlinks.
 * A directory this process cannot write is opened read-only: folders missing there are not made,
 * and the cache reads as holding nothing in them.
 */
export async function openCache(dir: string, options: OpenOptions = {}): Promise<CacheLayout> {
  return openCacheSync(dir, undefined, options);
}

/**
 * `openCache` without the Promise. The checks are a handful of local metadata calls, done
 * synchronously so a cache hit in a fresh process does not wait for the thread pool to start.
 * `known` is a `stat` of `dir` the caller has just made (it spares one more).
 */
export function openCacheSync(dir: string, known?: Stats, options: OpenOptions = {}): CacheLayout {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ParameterError(`Expected a non-empty path for cache.dir but received ${describe(dir)}`);
  }
  const layout = new CacheLayout(dir);
  const trusted = options.trustedGroup;
  const memo = trusted === undefined ? layout.dir : `${layout.dir}\0${trusted}`;
  const earlier = opened.get(memo);
  if (earlier) return earlier;
  const trust = trusted === undefined ? undefined : { name: trusted, gid: groupId(trusted) };
  prepare(layout, known, trust);
  opened.set(memo, layout);
  return layout;
}

/** Forget which directories were checked (for tests that change permissions behind our back). */
export function forgetOpenedCaches(): void {
  opened.clear();
}

// File operations: a `stat` of the directory (unless known) and, for a directory only its owner
// can enter (mode 0700, the default), one listing: no one else can reach, plant or loosen a folder
// inside it, so the folders need only be plain directories. A directory others may enter gets
// an `lstat` and the owner and mode checks per folder. On a network file system every one of
// these is a round trip to the server, made once per host and job.
function prepare(layout: CacheLayout, known: Stats | undefined, trust: TrustedGroup | undefined): void {
  const info = known ?? statOrMake(layout.dir);
  checkSafe(layout.dir, info, 'cache directory', trust);
  layout.groupShared = trust !== undefined && info.gid === trust.gid;
  layout.writable = canWrite(layout.dir);
  const private_ = (info.mode & 0o077) === 0;
  const listed = private_ ? listFolders(layout.dir) : undefined;
  let created = false;
  for (const name of SUBDIRS) {
    const path = join(layout.dir, name);
    let found: Stats | Dirent | undefined = listed ? listed.get(name) : lstatIfExists(path);
    // A read-only cache (a site-wide one, a read-only mount) lacking a folder holds nothing there.
    if (!found && !layout.writable) continue;
    if (!found) {
      makeDir(path, layout.groupShared);
      found = lstatSync(path);
      created ||= name === 'lib';
    }
    if (found.isSymbolicLink() || !found.isDirectory()) {
      throw new CacheUnsafeError(
        path,
        `Refusing the cache folder ${path}: it is ${found.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}. ` +
          `Folders inside a cache must be plain directories; remove it (dijitso clean) and retry.`,
      );
    }
    if (!private_) checkSafe(path, found as Stats, 'cache folder', trust);
  }
  // A new cache is far from any size limit: stamp it, so its first publishes skip the size check.
  if (created) {
    try {
      writeFileSync(layout.gcStamp, `${new Date().toISOString()}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      // Another process made the same cache at the same moment; its stamp serves.
    }
  }
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return false;
    throw new CacheIOError(`Cannot check access to the cache directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The error of a build into a cache this process cannot write: said before anything is generated. */
export function unwritableCacheError(dir: string): CacheIOError {
  return new CacheIOError(
    `The cache directory ${dir} is read-only or not writable by this user, and the library is not in it. ` +
      'Choose a writable directory with params.cache.dir or DIJITSO_CACHE_DIR, or make it writable.',
  );
}

function statOrMake(dir: string): Stats {
  try {
    return statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CacheIOError(`Cannot inspect the cache directory ${dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  makeDir(dir);
  return statSync(dir);
}

function listFolders(dir: string): Map<string, Dirent> {
  try {
    return new Map(readdirSync(dir, { withFileTypes: true }).map((entry) => [entry.name, entry]));
  } catch (error) {
    throw new CacheIOError(`Cannot list the cache directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CacheIOError(`Cannot inspect the cache folder ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function makeDir(path: string, groupShared = false): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    // Set after making, so that no umask narrows it.
    if (groupShared) chmodSync(path, 0o2770);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CacheIOError(
      `Cannot create the cache directory ${path} (${code ?? String(error)}). ` +
        'Choose a writable location with params.cache.dir or DIJITSO_CACHE_DIR.',
      { cause: error },
    );
  }
}

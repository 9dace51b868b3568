import { lstatSync, mkdirSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheIOError, CacheUnsafeError, ParameterError, describe } from './errors.js';

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

const opened = new Map<string, CacheLayout>();

/**
 * Create (mode 0700) and check the cache directory `dir`, once per process.
 * Refuses a directory, or one of its folders, that another user owns or can write to,
 * and folders inside the cache that are symlinks.
 */
export async function openCache(dir: string): Promise<CacheLayout> {
  return openCacheSync(dir);
}

/**
 * `openCache` without the Promise. The checks are a handful of local metadata calls, done
 * synchronously so a cache hit in a fresh process does not wait for the thread pool to start.
 */
export function openCacheSync(dir: string): CacheLayout {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ParameterError(`Expected a non-empty path for cache.dir but received ${describe(dir)}`);
  }
  const layout = new CacheLayout(dir);
  const known = opened.get(layout.dir);
  if (known) return known;
  prepare(layout);
  opened.set(layout.dir, layout);
  return layout;
}

/** Forget which directories were checked (for tests that change permissions behind our back). */
export function forgetOpenedCaches(): void {
  opened.clear();
}

function prepare(layout: CacheLayout): void {
  makeDir(layout.dir);
  checkSafe(layout.dir, statSync(layout.dir), 'cache directory');
  let created = false;
  for (const name of SUBDIRS) {
    const path = join(layout.dir, name);
    let info = lstatIfExists(path);
    if (!info) {
      makeDir(path);
      info = lstatSync(path);
      created ||= name === 'lib';
    }
    if (info.isSymbolicLink() || !info.isDirectory()) {
      throw new CacheUnsafeError(
        path,
        `Refusing the cache folder ${path}: it is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}. ` +
          `Folders inside a cache must be plain directories; remove it (dijitso clean) and retry.`,
      );
    }
    checkSafe(path, info, 'cache folder');
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

function makeDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CacheIOError(
      `Cannot create the cache directory ${path} (${code ?? String(error)}). ` +
        'Choose a writable location with params.cache.dir or DIJITSO_CACHE_DIR.',
      { cause: error },
    );
  }
}

function checkSafe(path: string, info: Stats, what: string): void {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new CacheUnsafeError(
      path,
      `Refusing the ${what} ${path}: it is owned by uid ${info.uid}, not by this user (uid ${uid}). ` +
        'Loading libraries from it would run code another user can plant. Use a directory of your own ' +
        '(params.cache.dir or DIJITSO_CACHE_DIR).',
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw new CacheUnsafeError(
      path,
      `Refusing the ${what} ${path}: its mode ${(info.mode & 0o777).toString(8)} lets group or others write to it, ` +
        `so anyone could plant a library that we would load. Fix it with: chmod go-w ${path}`,
    );
  }
}

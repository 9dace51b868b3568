import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  readFileSync,
  unlinkSync,
  utimesSync,
  type Stats,
} from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheLayout } from './layout.js';
import { decodeMeta, type EntryMeta } from './meta.js';
import { CacheCorruptError, CacheIOError } from './errors.js';
import { sha256Hex } from './hash.js';
import { fileSystemKind, openOnServer } from './fs-kind.js';
import { countStat } from './stats.js';

/** How stale a recorded last use may be before a hit records it again. */
export const LAST_USE_RESOLUTION_MS = 5 * 60 * 1000;

/** A published, checked cache entry. */
export interface CacheHit {
  key: string;
  /** Absolute path of the `.so`. */
  libPath: string;
  meta: EntryMeta;
}

/** Options of `lookupEntry`. */
export interface LookupOptions {
  /**
   * The caller holds the key's lock, so no one publishes the key meanwhile: a corrupt entry is
   * moved aside into `err/` (without the lock a concurrent publisher's fresh entry could be), and
   * on a network file system a library this client's cache says is missing is asked of the server.
   * Without it a corrupt entry is only a miss.
   */
  underLock?: boolean;
  /** Called with the reason when an entry is found corrupt. */
  onCorrupt?: (error: CacheCorruptError) => void;
}

/**
 * Is `info` (an lstat of the library) the very file published with `meta`? Same inode, and the
 * same mtime within 10 µs: a time set through `utimes` (seconds as a double) keeps about that much.
 */
export function isPublishedFile(meta: EntryMeta, info: Stats): boolean {
  return meta.published.ino === info.ino && Math.abs(meta.published.mtimeMs - info.mtimeMs) < 0.01;
}

// Libraries this process has hashed, by path, inode and mtime: on a network file system the first
// lookup of a process hashes, since another host may have rewritten the file in place and the
// inode and mtime this client sees (through its attribute cache) prove nothing.
const hashedHere = new Set<string>();

/**
 * Find the published entry of `key`: `lstat` of the `.so`, its meta, the size always, and the
 * sha256 whenever the file is not the very inode published (so in-place edits are caught), and on
 * a network file system on the first lookup of the file in this process.
 * The reads are small and synchronous: a hit in a fresh process should not wait for the thread pool.
 */
export async function lookupEntry(
  layout: CacheLayout,
  key: string,
  options: LookupOptions = {},
): Promise<CacheHit | null> {
  const libPath = layout.lib(key);
  let info = lstatOrNull(libPath);
  if (!info && options.underLock && fileSystemKind(layout.dir) === 'network' && existsOnServer(libPath))
    info = lstatOrNull(libPath);
  // An empty file is no entry: a library never is, and a lock holder's question to the server
  // (existsOnServer) makes one for an instant.
  if (!info || (info.isFile() && info.size === 0)) return null;
  try {
    if (!info.isFile()) {
      throw new CacheCorruptError(
        `${libPath} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`,
      );
    }
    const meta = readMetaSync(layout.meta(key), libPath);
    if (meta.key !== key)
      throw new CacheCorruptError(`${layout.meta(key)} describes key ${meta.key}, not ${key}`);
    if (meta.size !== info.size) {
      throw new CacheCorruptError(`${libPath} has ${info.size} bytes, its metadata says ${meta.size}`);
    }
    const published = isPublishedFile(meta, info);
    const seen = `${libPath}\0${info.ino}\0${info.mtimeMs}\0${info.size}`;
    if (!published || (!hashedHere.has(seen) && fileSystemKind(layout.dir) === 'network')) {
      const actual = sha256Hex(readFileSync(libPath));
      if (actual !== meta.sha256) {
        throw new CacheCorruptError(`${libPath} has sha256 ${actual}, its metadata says ${meta.sha256}`);
      }
      hashedHere.add(seen);
    }
    // Last use is the library's atime, set explicitly (noatime mounts), at most every few minutes:
    // one metadata write, no file rewritten, nothing on the hot path of a busy cache. The published
    // inode keeps (or, after a touch, gets back) its published mtime, so lookups need not hash it.
    const now = Date.now();
    const recordUse = now - info.atimeMs > LAST_USE_RESOLUTION_MS;
    const sameInode = meta.published.ino === info.ino;
    if (recordUse || (!published && sameInode)) {
      try {
        utimesSync(
          libPath,
          (recordUse ? now : info.atimeMs) / 1000,
          (sameInode ? meta.published.mtimeMs : info.mtimeMs) / 1000,
        );
      } catch {
        // A read-only cache still serves hits; it just cannot record them.
      }
    }
    return { key, libPath, meta };
  } catch (error) {
    if (!(error instanceof CacheCorruptError)) throw error;
    options.onCorrupt?.(error);
    if (options.underLock) await quarantineEntry(layout, key, error.message);
    return null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Whether `libPath` exists on the server, past this client's cache (`openOnServer`): the open finds
 * the published file, after which a lookup sees it, or makes an empty one, removed at once. Only
 * under the key's lock: every publisher of the key holds it, so the name holds what was opened.
 * An empty library is never published; one left by a crash here is a miss until the next publish
 * replaces it.
 */
function existsOnServer(libPath: string): boolean {
  let fd: number;
  try {
    fd = openOnServer(libPath, constants.O_NOFOLLOW);
  } catch {
    return true; // cannot ask (a symbolic link, no permission): the lookup reports what it sees
  }
  try {
    if (fstatSync(fd).size > 0) return true;
    unlinkSync(libPath);
  } catch {
    // Gone already: a miss either way.
  } finally {
    closeSync(fd);
  }
  return false;
}

function readMetaSync(metaPath: string, libPath: string): EntryMeta {
  let bytes: Buffer;
  try {
    bytes = readFileSync(metaPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another user's entry this user may not read (a cache a group shares) is not corrupt.
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CacheIOError(
        `Cannot read ${metaPath}: permission denied. Its owner can make it readable (chmod g+r) ` +
          'or remove the entry.',
        { cause: error },
      );
    }
    throw new CacheCorruptError(`${libPath} has no readable metadata ${metaPath}`, { cause: error });
  }
  return decodeMeta(bytes, metaPath);
}

/** Move the `.so` and `.meta` of `key` into `err/<key>.corrupt-<time>/` with the reason; returns that folder. */
export async function quarantineEntry(layout: CacheLayout, key: string, reason: string): Promise<string> {
  const folder = `${layout.failure(key)}.corrupt-${Date.now()}-${process.pid}`;
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await writeFile(join(folder, 'reason.txt'), reason + '\n');
  for (const [from, name] of [
    [layout.lib(key), 'lib.so'],
    [layout.meta(key), 'meta.msgpack'],
  ] as const) {
    await rename(from, join(folder, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  countStat(layout.dir, 'corruptHealed');
  return folder;
}

/** Read the meta of `key` without checking the library (for tools). */
export async function readMeta(layout: CacheLayout, key: string): Promise<EntryMeta> {
  return decodeMeta(await readFile(layout.meta(key)), layout.meta(key));
}

/** The stored files of an entry, as bytes: the library and the lz4 frames of source, header and log. */
export interface EntryFiles {
  lib: Buffer;
  source: Buffer;
  header: Buffer | undefined;
  log: Buffer | undefined;
}

/** Read the files of a hit (for shipping to other directories or extracting). */
export async function readEntryFiles(layout: CacheLayout, hit: CacheHit): Promise<EntryFiles> {
  const optional = (path: string): Promise<Buffer | undefined> =>
    readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  const [lib, source, header, log] = await Promise.all([
    readFile(hit.libPath),
    readFile(layout.source(hit.key, hit.meta.language)),
    hit.meta.hasHeader ? readFile(layout.header(hit.key)) : Promise.resolve(undefined),
    optional(layout.log(hit.key)),
  ]);
  if (lib.length !== hit.meta.size) {
    throw new CacheCorruptError(
      `${hit.libPath} changed while being read (${lib.length} bytes, meta says ${hit.meta.size})`,
    );
  }
  return { lib, source, header, log };
}

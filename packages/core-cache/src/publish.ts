import { chmod, mkdtemp, open, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CacheLayout } from './layout.js';
import { encodeMeta, type EntryMeta } from './meta.js';
import type { CacheHit } from './entry.js';
import { sha256Hex } from './hash.js';
import { CacheCorruptError, CacheIOError } from './errors.js';

/** An entry ready to publish: meta without the fields publishing fills in, the library, lz4 files. */
export interface EntryToPublish {
  meta: Omit<EntryMeta, 'v' | 'size' | 'sha256' | 'published' | 'builtOn'> & { builtOn?: string };
  /** The library's bytes. */
  lib: Buffer;
  /** When set (a received entry), the library must have this sha256 or nothing is published. */
  expectedSha256?: string;
  /** The sha256 of `lib`, when this process already hashed these very bytes: it is not hashed again. */
  sha256?: string;
  /** lz4 frames of the source, header and compiler log. */
  files: { source: Buffer; header?: Buffer | undefined; log?: Buffer | undefined };
}

/** Make a private staging folder under `tmp/` for work on `key`. */
export async function makeStaging(layout: CacheLayout, key: string): Promise<string> {
  try {
    return await mkdtemp(join(layout.tmpDir, `${key}.`));
  } catch (error) {
    throw ioError(`create a staging folder in ${layout.tmpDir}`, error);
  }
}

/**
 * Remove a staging folder: the named files, then the folder. Anything else left in it (a failure
 * half way, files the compiler made) falls back to a recursive removal, which costs a module load
 * and a directory walk the usual case does not need. Never throws.
 */
export async function removeStaging(staging: string, files: string[] = []): Promise<void> {
  try {
    await Promise.all(
      files.map((name) =>
        unlink(join(staging, name)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
    await rmdir(staging);
  } catch {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Publish an entry: every file is written into a staging folder, synced, then renamed into place;
 * the `.so` is renamed last, so a reader sees a complete entry or none.
 */
export async function publishEntry(layout: CacheLayout, entry: EntryToPublish): Promise<CacheHit> {
  const { key } = entry.meta;
  const sha256 = entry.sha256 ?? sha256Hex(entry.lib);
  if (entry.expectedSha256 !== undefined && entry.expectedSha256 !== sha256) {
    throw new CacheCorruptError(
      `Library of ${key} has sha256 ${sha256}, expected ${entry.expectedSha256}; nothing was published`,
    );
  }
  const staging = await makeStaging(layout, key);
  try {
    const stagedLib = join(staging, 'lib.so');
    await writeSynced(stagedLib, entry.lib);
    const libInfo = await stat(stagedLib);
    const meta = metaOf(entry, sha256, { ino: libInfo.ino, mtimeMs: libInfo.mtimeMs });
    const moves: Array<[string, string]> = [[join(staging, 'source'), layout.source(key, meta.language)]];
    await writeFile(moves[0]![0], entry.files.source);
    if (entry.files.header) {
      moves.push([join(staging, 'header'), layout.header(key)]);
      await writeFile(join(staging, 'header'), entry.files.header);
    }
    if (entry.files.log && entry.files.log.length > 0) {
      moves.push([join(staging, 'log'), layout.log(key)]);
      await writeFile(join(staging, 'log'), entry.files.log);
    }
    await writeSynced(join(staging, 'meta'), encodeMeta(meta));
    moves.push([join(staging, 'meta'), layout.meta(key)], [stagedLib, layout.lib(key)]);
    // In a cache its group shares, the other members must read what this user publishes.
    if (layout.groupShared) for (const [from] of moves) await chmod(from, 0o640);
    for (const [from, to] of moves) await rename(from, to);
    return { key, libPath: layout.lib(key), meta };
  } catch (error) {
    if (error instanceof CacheCorruptError) throw error;
    throw ioError(`publish ${key} into ${layout.dir}`, error);
  } finally {
    // Every file was renamed away unless publishing failed half way.
    await removeStaging(staging);
  }
}

/**
 * The meta `entry` will have once published, for shipping it before it is published: `published`
 * (the inode and mtime of this directory's copy) is zero, and a receiver records its own.
 */
export function metaBeforePublish(entry: EntryToPublish): EntryMeta {
  return metaOf(entry, entry.sha256 ?? sha256Hex(entry.lib), { ino: 0, mtimeMs: 0 });
}

function metaOf(entry: EntryToPublish, sha256: string, published: EntryMeta['published']): EntryMeta {
  return {
    ...entry.meta,
    v: 1,
    builtOn: entry.meta.builtOn ?? hostname(),
    size: entry.lib.length,
    sha256,
    published,
  };
}

async function writeSynced(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Wrap a file-system failure in a `CacheIOError` that says what we were doing and, for ENOSPC, why. */
export function ioError(doing: string, error: unknown): CacheIOError {
  if (error instanceof CacheIOError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'No space left on the device (or quota exceeded): free space or point cache.dir elsewhere, ' +
        'and run `dijitso gc` to shrink the cache.'
      : code === 'EACCES' || code === 'EPERM'
        ? 'Permission denied: the cache directory must be writable by this user.'
        : String((error as Error).message ?? error);
  return new CacheIOError(`Could not ${doing}: ${hint}`, { cause: error });
}

import { resolve } from 'node:path';
import {
  CacheCorruptError,
  countStat,
  lookupEntry,
  openCache,
  publishEntry,
  quarantineEntry,
  readEntryFiles,
  sha256Hex,
  withLockIfFree,
  type CacheHit,
  type CacheLayout,
  type EntryFiles,
  type EntryMeta,
  type EntryToPublish,
} from '@dijitso/core-cache/runtime';

/** The shared, persistent tier behind `cache.dir` (`params.cache.shared`) and who may write it. */
export interface SharedTier {
  dir: string;
  trustedGroup?: string | undefined;
}

/** An entry of the shared tier as read, checked, before it is published into the local tier. */
export interface SharedCopy {
  meta: EntryMeta;
  lib: Buffer;
  files: EntryToPublish['files'];
}

/**
 * Open the shared tier (docs/ARCHITECTURE.md, "Two tiers"): checked like any cache, a group it
 * trusts excepted; read-only when this process cannot write it. Undefined when it is `local` itself.
 */
export async function openSharedTier(tier: SharedTier, local: CacheLayout): Promise<CacheLayout | undefined> {
  if (resolve(tier.dir) === local.dir) return undefined;
  return openCache(tier.dir, { trustedGroup: tier.trustedGroup });
}

/**
 * Copy the shared tier's entry of `key` into `local`: read once, its size and sha256 checked
 * against its meta before anything is published (or handed to `ship`). Null when the tier lacks
 * it or holds a corrupt one; a corrupt one is reported, and quarantined when the tier is writable.
 * The caller holds the key's lock in `local`.
 */
export async function copyFromShared(
  shared: CacheLayout,
  local: CacheLayout,
  key: string,
  options: { ship?: ((copy: SharedCopy) => void) | undefined; lockStaleMs: number },
): Promise<CacheHit | null> {
  let corrupt: CacheCorruptError | undefined;
  let hit: CacheHit | null = null;
  let files: EntryFiles;
  try {
    hit = await lookupEntry(shared, key, { onCorrupt: (error) => (corrupt = error) });
    if (!hit) {
      if (corrupt) await reportCorrupt(shared, local, key, corrupt, undefined, options.lockStaleMs);
      return null;
    }
    files = await readShared(shared, hit);
  } catch (error) {
    if (error instanceof CacheCorruptError) {
      await reportCorrupt(shared, local, key, error, hit ?? undefined, options.lockStaleMs);
      return null;
    }
    if (!unreadable(error)) throw error;
    // An entry this user may not read (another member's, in a tier a group shares) is a miss.
    process.emitWarning(
      `dijitso: cannot read the shared tier's entry ${key}: ${(error as Error).message}. ` +
        `Building it into ${local.dir} instead.`,
      { code: 'DIJITSO_SHARED_UNREADABLE' },
    );
    return null;
  }
  const copy: SharedCopy = {
    meta: hit.meta,
    lib: files.lib,
    files: { source: files.source, header: files.header, log: files.log },
  };
  options.ship?.(copy);
  const { v: _v, size: _size, sha256: _sha, published: _published, ...meta } = hit.meta;
  // readShared hashed these very bytes: they are the meta's.
  const copied = await publishEntry(local, {
    meta,
    lib: files.lib,
    sha256: hit.meta.sha256,
    files: copy.files,
  });
  countStat(local.dir, 'sharedHits');
  countStat(local.dir, 'sharedBytes', entryBytes(files));
  return copied;
}

/**
 * Publish a freshly built entry into the shared tier too, when it is writable, under the key's
 * lock there (two jobs never both write it; one that holds the lock is publishing it already).
 * A failure there is a warning: the library is built and in the local tier.
 */
export async function publishToShared(
  shared: CacheLayout,
  entry: EntryToPublish,
  lockStaleMs: number,
): Promise<void> {
  if (!shared.writable) return;
  const { key } = entry.meta;
  try {
    await withLockIfFree(shared.lock(key), lockStaleMs, async () => {
      if (await lookupEntry(shared, key, { underLock: true })) return;
      await publishEntry(shared, entry);
    });
  } catch (error) {
    process.emitWarning(
      `dijitso: could not publish ${key} into the shared tier ${shared.dir}: ${(error as Error).message}. ` +
        'The library is built and kept in the local tier; the next build publishes it again.',
      { code: 'DIJITSO_SHARED_PUBLISH' },
    );
  }
}

// The files of a shared entry, the library's bytes checked against the meta's size and sha256.
async function readShared(shared: CacheLayout, hit: CacheHit): Promise<EntryFiles> {
  let files: EntryFiles;
  try {
    files = await readEntryFiles(shared, hit);
  } catch (error) {
    if (error instanceof CacheCorruptError || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new CacheCorruptError(`${hit.libPath} is incomplete: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const actual = sha256Hex(files.lib);
  if (actual !== hit.meta.sha256) {
    throw new CacheCorruptError(`${hit.libPath} has sha256 ${actual}, its metadata says ${hit.meta.sha256}`);
  }
  return files;
}

async function reportCorrupt(
  shared: CacheLayout,
  local: CacheLayout,
  key: string,
  error: CacheCorruptError,
  seen: CacheHit | undefined,
  lockStaleMs: number,
): Promise<void> {
  countStat(local.dir, 'sharedCorrupt');
  let moved: string | undefined;
  if (shared.writable) {
    // Under the shared key's lock no one publishes meanwhile: what is still there is what was read.
    await withLockIfFree(shared.lock(key), lockStaleMs, async () => {
      const onCorrupt = (): void => void (moved = shared.errDir);
      const again = await lookupEntry(shared, key, { underLock: true, onCorrupt });
      if (
        again &&
        seen &&
        again.meta.sha256 === seen.meta.sha256 &&
        again.meta.created === seen.meta.created
      ) {
        moved = await quarantineEntry(shared, key, error.message);
      }
    }).catch(() => undefined);
  }
  process.emitWarning(
    `dijitso: the shared tier's entry ${key} is corrupt (${error.message}); it was not copied` +
      (moved ? ` and was moved to ${moved}` : shared.writable ? '' : ' (the shared tier is read-only)') +
      `. Building it into ${local.dir} instead.`,
    { code: 'DIJITSO_SHARED_CORRUPT' },
  );
}

function unreadable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause?.code;
  return [code, cause].some((c) => c === 'EACCES' || c === 'EPERM');
}

function entryBytes(files: EntryFiles): number {
  return files.lib.length + files.source.length + (files.header?.length ?? 0) + (files.log?.length ?? 0);
}

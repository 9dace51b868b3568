import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheLayout, Language } from './layout.js';
import { decodeMeta, type EntryMeta } from './meta.js';
import { decompressFrame } from './codec.js';
import { isCacheKey, validateSignature } from './signature.js';
import { CacheCorruptError, EntryNotFoundError, ParameterError } from './errors.js';
import { ioError } from './publish.js';

/** Every file of one key found on disk, from a directory scan (no file is opened). */
export interface ScannedEntry {
  key: string;
  /** True when the `.so` is published; false for leftovers of an interrupted publish or eviction. */
  published: boolean;
  /** Bytes of all the entry's files (library, meta, sources, log). */
  size: number;
  /** Bytes of the `.so` (0 when absent). */
  libSize: number;
  /** Last use in ms since the epoch: max(atime, mtime) of the `.so` (atime is set on hits, see lookupEntry). */
  lastUsed: number;
  /** Newest mtime among the files, in ms since the epoch. */
  newest: number;
  /** Absolute paths of the files, the `.so` first so that removing in order hides the entry at once. */
  paths: string[];
  /** Absolute paths of the lz4 source and header, when present. */
  sourcePath: string | undefined;
  headerPath: string | undefined;
}

/** A published entry as `dijitso ls` shows it. */
export interface EntryInfo extends ScannedEntry {
  /** The signature (from the meta; derived from the key when the meta is unreadable). */
  signature: string;
  language: Language | undefined;
  /** Build time in ms since the epoch (undefined when the meta is unreadable). */
  created: number | undefined;
  meta: EntryMeta | undefined;
  /** Why the entry looks broken (unreadable meta), else undefined. */
  problem: string | undefined;
}

/** An entry's readable contents, for `dijitso show`. */
export interface EntryContents {
  key: string;
  meta: EntryMeta;
  libPath: string;
  lastUsed: number;
  /** Bytes of all the entry's files. */
  size: number;
  /** The decompressed source; undefined when its file is missing. */
  source: string | undefined;
  sourcePath: string;
  header: string | undefined;
  /** The compiler's output of the build ('' when it printed nothing). */
  log: string;
}

const SUFFIXES: ReadonlyArray<[folder: 'lib' | 'src' | 'log', suffix: string]> = [
  ['lib', '.so'],
  ['lib', '.meta'],
  ['src', '.cpp.lz4'],
  ['src', '.c.lz4'],
  ['src', '.h.lz4'],
  ['log', '.log.lz4'],
];

/** The signature part of a key (`<signature>-<12 hex digits>`). */
export function signatureOfKey(key: string): string {
  return key.slice(0, -13);
}

/** Scan `lib/`, `src/` and `log/` and group the files by key, published entries and leftovers alike. */
export async function scanEntries(layout: CacheLayout): Promise<ScannedEntry[]> {
  const byKey = new Map<string, ScannedEntry>();
  const folders = { lib: layout.libDir, src: layout.srcDir, log: layout.logDir };
  const lstats: Array<Promise<void>> = [];
  for (const [folder, dir] of Object.entries(folders) as Array<[keyof typeof folders, string]>) {
    for (const name of await listFolder(dir)) {
      const match = SUFFIXES.find(([f, suffix]) => f === folder && name.endsWith(suffix));
      if (!match) continue;
      const key = name.slice(0, -match[1].length);
      if (!isCacheKey(key)) continue;
      let entry = byKey.get(key);
      if (!entry) {
        entry = {
          key,
          published: false,
          size: 0,
          libSize: 0,
          lastUsed: 0,
          newest: 0,
          paths: [],
          sourcePath: undefined,
          headerPath: undefined,
        };
        byKey.set(key, entry);
      }
      const path = join(dir, name);
      const scanned = entry;
      lstats.push(
        lstat(path).then(
          (info) => {
            if (!info.isFile()) return;
            scanned.size += info.size;
            scanned.newest = Math.max(scanned.newest, info.mtimeMs);
            if (match[1] === '.so') {
              scanned.published = true;
              scanned.libSize = info.size;
              scanned.lastUsed = Math.max(info.atimeMs, info.mtimeMs);
              scanned.paths.unshift(path);
            } else {
              scanned.paths.push(path);
              if (match[1] === '.h.lz4') scanned.headerPath = path;
              else if (folder === 'src') scanned.sourcePath = path;
            }
          },
          // Gone since the listing: removed by a concurrent gc or quarantine.
          () => undefined,
        ),
      );
    }
  }
  await Promise.all(lstats);
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The published entries with their meta, sorted by key; entries with unreadable meta carry a `problem`. */
export async function listEntries(layout: CacheLayout): Promise<EntryInfo[]> {
  return describeEntries(layout, await scanEntries(layout));
}

/** Add the meta to the published entries among `scanned` (from `scanEntries`). */
export async function describeEntries(layout: CacheLayout, scanned: ScannedEntry[]): Promise<EntryInfo[]> {
  return mapInBatches(
    scanned.filter((entry) => entry.published),
    async (entry): Promise<EntryInfo> => {
      try {
        const meta = decodeMeta(await readFile(layout.meta(entry.key)), layout.meta(entry.key));
        return {
          ...entry,
          signature: meta.signature,
          language: meta.language,
          created: meta.created,
          meta,
          problem: undefined,
        };
      } catch (error) {
        const problem =
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? `no metadata ${layout.meta(entry.key)}`
            : (error as Error).message;
        return {
          ...entry,
          signature: signatureOfKey(entry.key),
          language: undefined,
          created: undefined,
          meta: undefined,
          problem,
        };
      }
    },
  );
}

/**
 * `Promise.all(items.map(action))`, a batch at a time: reading every meta of a large cache at once
 * would open more files than the process may (EMFILE).
 */
async function mapInBatches<T, R>(items: T[], action: (item: T) => Promise<R>, batch = 64): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += batch) {
    results.push(...(await Promise.all(items.slice(start, start + batch).map(action))));
  }
  return results;
}

/** Entry count and total bytes of the published entries. */
export async function summarizeEntries(layout: CacheLayout): Promise<{ entries: number; totalSize: number }> {
  const published = (await scanEntries(layout)).filter((entry) => entry.published);
  return { entries: published.length, totalSize: published.reduce((sum, entry) => sum + entry.size, 0) };
}

/**
 * The key of the published entry that `ref` names: a key, or a signature held under exactly one key.
 * Throws `EntryNotFoundError` when there is none, `ParameterError` when a signature has several keys.
 */
export async function resolveEntry(layout: CacheLayout, ref: string): Promise<string> {
  validateSignature(ref, 'signature or key');
  const libs = (await listFolder(layout.libDir)).filter((name) => name.endsWith('.so'));
  if (libs.includes(`${ref}.so`) && isCacheKey(ref)) return ref;
  const keys = libs
    .map((name) => name.slice(0, -3))
    .filter((key) => isCacheKey(key) && signatureOfKey(key) === ref);
  if (keys.length === 1) return keys[0]!;
  if (keys.length === 0) {
    throw new EntryNotFoundError(
      ref,
      `No entry ${ref} in the cache ${layout.dir}: no published key or signature has that name. ` +
        '`dijitso ls` lists the entries (and --cache-dir chooses another cache).',
    );
  }
  throw new ParameterError(
    `The signature ${ref} has ${keys.length} entries in ${layout.dir} (built with different parameters): ` +
      `${keys.join(', ')}. Name one of them by its key.`,
  );
}

/** Read the meta, source, header and compiler log of the published entry `key`. */
export async function readEntry(layout: CacheLayout, key: string): Promise<EntryContents> {
  const [scanned] = (await scanEntries(layout)).filter((entry) => entry.key === key && entry.published);
  if (!scanned) {
    throw new EntryNotFoundError(
      key,
      `No published entry ${key} in ${layout.dir}; \`dijitso ls\` lists them.`,
    );
  }
  const meta = decodeMeta(await readFile(layout.meta(key)), layout.meta(key));
  const sourcePath = layout.source(key, meta.language);
  const [source, header, log] = await Promise.all([
    readLz4Text(sourcePath),
    meta.hasHeader ? readLz4Text(layout.header(key)) : undefined,
    readLz4Text(layout.log(key)),
  ]);
  return {
    key,
    meta,
    libPath: layout.lib(key),
    lastUsed: scanned.lastUsed,
    size: scanned.size,
    source,
    sourcePath,
    header,
    log: log ?? '',
  };
}

/** Decompress the lz4 text file at `path`; undefined when it does not exist. */
export async function readLz4Text(path: string): Promise<string | undefined> {
  let frame: Buffer;
  try {
    frame = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`read ${path}`, error);
  }
  try {
    return (await decompressFrame(frame)).toString('utf8');
  } catch (error) {
    throw new CacheCorruptError(
      `${path} is not a readable lz4 frame (${(error as Error).message}): the stored text is damaged. ` +
        'Empty the cache with `dijitso clean` to have it rebuilt.',
      { cause: error },
    );
  }
}

/** The names in a cache folder; none when the folder does not exist. */
export async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(`list ${dir}`, error);
  }
}

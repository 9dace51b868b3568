import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCache, type CacheLayout } from './layout.js';
import { readLz4Text, scanEntries } from './entries.js';
import { decodeMeta } from './meta.js';
import { makeStaging } from './publish.js';
import { formatBytes } from './units.js';

/** The verdict of one check. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of `dijitso doctor`: what was checked, the verdict, and the detail or the fix. */
export interface HealthCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** An entry that failed verification. */
export interface CorruptEntry {
  key: string;
  problem: string;
}

/** Warn when the cache's file system has less free space than this. */
export const LOW_SPACE_BYTES = 1024 ** 3;

/**
 * Check the cache directory: it can be opened (created 0700, owned by this user, not writable by
 * others), written, and has free space. Returns the checks and, when it could be opened, the layout.
 */
export async function checkCacheDirectory(
  dir: string,
): Promise<{ checks: HealthCheck[]; layout: CacheLayout | undefined }> {
  const checks: HealthCheck[] = [];
  let layout: CacheLayout;
  try {
    layout = await openCache(dir);
  } catch (error) {
    checks.push({ name: 'cache permissions', status: 'fail', detail: (error as Error).message });
    return { checks, layout: undefined };
  }
  checks.push({
    name: 'cache permissions',
    status: 'ok',
    detail: `${layout.dir} is private to this user (no group or other write access)`,
  });
  try {
    const staging = await makeStaging(layout, 'doctor');
    await writeFile(join(staging, 'probe'), 'probe\n');
    await rm(staging, { recursive: true, force: true });
    checks.push({
      name: 'cache writable',
      status: 'ok',
      detail: `created and removed a file in ${layout.tmpDir}`,
    });
  } catch (error) {
    checks.push({ name: 'cache writable', status: 'fail', detail: (error as Error).message });
  }
  try {
    const fs = await statfs(layout.dir);
    const free = fs.bavail * fs.bsize;
    const total = fs.blocks * fs.bsize;
    const detail = `${formatBytes(free)} free of ${formatBytes(total)}`;
    checks.push(
      free < LOW_SPACE_BYTES
        ? {
            name: 'free space',
            status: 'warn',
            detail: `${detail}: builds may fail; run \`dijitso gc\` or move cache.dir to a larger file system`,
          }
        : { name: 'free space', status: 'ok', detail },
    );
  } catch (error) {
    checks.push({ name: 'free space', status: 'warn', detail: `cannot tell: ${(error as Error).message}` });
  }
  return { checks, layout };
}

/**
 * Verify every published entry: readable meta for its key, the library's size and sha256, and
 * sources that exist and decompress. Reports problems without changing anything (a corrupt entry
 * is moved aside and rebuilt by the next `jit()` that needs it).
 */
export async function verifyEntries(
  layout: CacheLayout,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<{ verified: number; corrupt: CorruptEntry[] }> {
  const published = (await scanEntries(layout)).filter((entry) => entry.published);
  const corrupt: CorruptEntry[] = [];
  let done = 0;
  for (const entry of published) {
    const problem = await verifyEntry(layout, entry.key, entry.libSize);
    if (problem !== undefined) corrupt.push({ key: entry.key, problem });
    options.onProgress?.(++done, published.length);
  }
  return { verified: published.length, corrupt };
}

async function verifyEntry(layout: CacheLayout, key: string, libSize: number): Promise<string | undefined> {
  try {
    const meta = decodeMeta(await readFile(layout.meta(key)), layout.meta(key));
    if (meta.key !== key) return `${layout.meta(key)} describes key ${meta.key}`;
    if (meta.size !== libSize)
      return `${layout.lib(key)} has ${libSize} bytes, its metadata says ${meta.size}`;
    const actual = await sha256OfFile(layout.lib(key));
    if (actual !== meta.sha256)
      return `${layout.lib(key)} has sha256 ${actual}, its metadata says ${meta.sha256}`;
    if ((await readLz4Text(layout.source(key, meta.language))) === undefined) {
      return `the source ${layout.source(key, meta.language)} is missing`;
    }
    if (meta.hasHeader && (await readLz4Text(layout.header(key))) === undefined) {
      return `the header ${layout.header(key)} is missing`;
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return `its metadata ${layout.meta(key)} is missing`;
    return (error as Error).message;
  }
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

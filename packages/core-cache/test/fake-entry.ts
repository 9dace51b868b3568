import { utimes } from 'node:fs/promises';
import { compressFrame, publishEntry, type CacheLayout } from '../src/index.js';

/** Publish an entry with a fake library (any bytes do for the cache) and the given source. */
export async function publishFake(
  layout: CacheLayout,
  signature: string,
  options: {
    source?: string;
    header?: string;
    log?: string;
    lib?: Buffer;
    dependencies?: string[];
    language?: 'c' | 'c++';
    /** Set the library's atime and mtime this many ms in the past (its last use). */
    lastUsedAgoMs?: number;
  } = {},
): Promise<string> {
  const key = `${signature}-0123456789ab`;
  await publishEntry(layout, {
    meta: {
      signature,
      key,
      language: options.language ?? 'c++',
      hasHeader: options.header !== undefined,
      build: { compiler: 'c++', compilerVersion: 'test', args: ['-O2'], hostSpecific: false, cpu: 'x' },
      dependencies: options.dependencies ?? [],
      created: Date.now(),
      compileSeconds: 0.25,
    },
    lib: options.lib ?? Buffer.alloc(1000, signature.length),
    files: {
      source: await compressFrame(options.source ?? `int ${signature}() { return 1; }\n`),
      header: options.header === undefined ? undefined : await compressFrame(options.header),
      log: options.log === undefined ? undefined : await compressFrame(options.log),
    },
  });
  if (options.lastUsedAgoMs !== undefined) await setLastUse(layout, key, options.lastUsedAgoMs);
  return key;
}

/** Make the library of `key` look last used `agoMs` ago. */
export async function setLastUse(layout: CacheLayout, key: string, agoMs: number): Promise<void> {
  const when = new Date(Date.now() - agoMs);
  await utimes(layout.lib(key), when, when);
}

import { dirname } from 'node:path';
import {
  buildOnce,
  compressFrame,
  countStat,
  flushStats,
  lookupEntry,
  unwritableCacheError,
  usableCpus,
  withHostSlot,
  metaBeforePublish,
  publishEntry,
  type CacheHit,
  type CacheLayout,
  type EntryMeta,
  type EntryToPublish,
} from '@dijitso/core-cache/runtime';
import { compile, resolveBuild, type EffectiveBuildParams } from '@dijitso/compiler';
import { loaderReady } from '@dijitso/loader';
import { JitGenerateError } from './errors.js';
import { runGenerate, type GenerateFn } from './generate.js';
import type { JitParams } from './params.js';
import { copyFromShared, openSharedTier, publishToShared, type SharedTier } from './shared-tier.js';

/** Everything needed to produce one entry. */
export interface BuildJob {
  layout: CacheLayout;
  key: string;
  signature: string;
  build: EffectiveBuildParams;
  generate: GenerateFn;
  params: JitParams;
  /** Where an earlier jit result of this process lives: key and library path, or undefined. */
  findLoaded: (signature: string) => { key: string; path: string } | undefined;
  lock: { staleMs: number; timeoutMs?: number | undefined };
  /** The shared tier behind `layout` (`params.cache.shared`), opened only on a miss in `layout`. */
  shared?: SharedTier | undefined;
}

/** Where `obtainEntry` found the entry: the directory, a build, or a copy from the shared tier. */
export type ObtainedFrom = 'disk' | 'built' | 'shared';

/** A built entry in memory, before it is published: meta, library and lz4 files. */
export interface BuiltEntry {
  meta: EntryMeta;
  lib: Buffer;
  files: EntryToPublish['files'];
}

/** How a build hands over what it compiled (or copied from the shared tier). */
export interface BuildControl {
  /** Gets the entry once it is compiled or read, checked, before it is published. */
  ship?: (entry: BuiltEntry) => void;
}

/**
 * The entry of `job.key` in `job.layout`, obtained if no process sharing the directory has it:
 * the lock holder looks again, then copies it from the shared tier when that holds a valid one,
 * else generates, compiles and publishes (into the shared tier too). The others wait and load.
 * `from` is `disk` when the entry was there, or another process published it while this one
 * waited for the lock.
 */
export async function obtainEntry(
  job: BuildJob,
  control: BuildControl = {},
): Promise<{ hit: CacheHit; from: ObtainedFrom }> {
  const { layout, key } = job;
  const hit = await lookupEntry(layout, key);
  if (hit) return { hit, from: 'disk' };
  if (!layout.writable) throw unwritableCacheError(layout.dir);
  let from: ObtainedFrom = 'disk';
  const outcome = await buildOnce(
    layout,
    key,
    {
      lookup: (underLock) => lookupEntry(layout, key, { underLock }),
      build: async () => {
        const shared = job.shared && (await openSharedTier(job.shared, layout));
        const copied =
          shared &&
          (await copyFromShared(shared, layout, key, { ship: control.ship, lockStaleMs: job.lock.staleMs }));
        if (copied) {
          from = 'shared';
          return copied;
        }
        const built = await buildCounted(job, control);
        from = 'built';
        if (shared) await publishToShared(shared, built.entry, job.lock.staleMs);
        return built.hit;
      },
    },
    lockOptions(job),
  );
  return { hit: outcome.value, from: outcome.built ? from : 'disk' };
}

/**
 * Publish `entry`, received from another group, into `job.layout` under the key's lock like a
 * build: every publisher of a key holds its lock, so a holder's lookup may ask the server about a
 * name (`lookupEntry`'s `underLock`) without racing one. When another process published the key
 * meanwhile, that entry is kept.
 */
export async function publishReceived(job: BuildJob, entry: EntryToPublish): Promise<CacheHit> {
  const { layout, key } = job;
  const outcome = await buildOnce(
    layout,
    key,
    {
      lookup: (underLock) => lookupEntry(layout, key, { underLock }),
      build: () => publishEntry(layout, entry),
    },
    lockOptions(job),
  );
  return outcome.value;
}

function lockOptions(job: BuildJob): { staleMs: number; timeoutMs?: number } {
  return {
    staleMs: job.lock.staleMs,
    ...(job.lock.timeoutMs ? { timeoutMs: job.lock.timeoutMs } : {}),
  };
}

// A failed build is counted and written at once, like a successful one, so `dijitso stats` shows it.
async function buildCounted(
  job: BuildJob,
  control: BuildControl,
): Promise<{ hit: CacheHit; entry: EntryToPublish }> {
  try {
    return await buildEntry(job, control);
  } catch (error) {
    countStat(job.layout.dir, 'failures');
    await flushStats();
    throw error;
  }
}

/** Generate, compile and publish; the caller holds the key's lock. */
async function buildEntry(
  job: BuildJob,
  { ship }: BuildControl,
): Promise<{ hit: CacheHit; entry: EntryToPublish }> {
  const { layout, key, signature } = job;
  const code = await runGenerate(job.generate, { signature, params: job.params });
  const dependencies = code.dependencies.map((dependency) => {
    const entry = job.findLoaded(dependency);
    if (entry === undefined) {
      throw new JitGenerateError(
        signature,
        `${signature} depends on ${dependency}, which was not jitted in this process: call jit() for it first.`,
      );
    }
    if (dirname(entry.path) !== layout.libDir) {
      throw new JitGenerateError(
        signature,
        `${signature} depends on ${dependency}, which lives in another cache (${entry.path}); ` +
          `jit both into ${layout.dir}.`,
      );
    }
    return entry.key;
  });
  const compressSources = (): Promise<[Buffer, Buffer | undefined]> =>
    Promise.all([
      compressFrame(code.source),
      code.header === undefined ? undefined : compressFrame(code.header),
    ]);
  // What the steps after the compile need is prepared while the compiler runs, in this one place:
  // the compressed source and header (only the log waits for the compiler), and koffi's import
  // for the load. A failure there shows again where it is not overlapped.
  let sources: [Buffer, Buffer | undefined] | undefined;
  // At most `jobs` compilers at once on this host, whatever its ranks and jobs (a slot each).
  const compiled = await withHostSlot(job.build.jobs ?? usableCpus(), () =>
    compile({
      layout,
      key,
      signature,
      build: resolveBuild(job.build, code.language),
      source: code.source,
      header: code.header,
      dependencies,
      whileCompiling: async () => {
        const loader = loaderReady().catch(() => undefined);
        sources = await compressSources();
        await loader;
      },
    }),
  );
  const [[source, header], log] = await Promise.all([
    sources ?? compressSources(),
    compiled.output.length > 0 ? compressFrame(compiled.output) : undefined,
  ]);
  const entry: EntryToPublish = {
    meta: {
      signature,
      key,
      language: code.language,
      hasHeader: code.header !== undefined,
      build: compiled.record,
      dependencies,
      created: Date.now(),
      compileSeconds: compiled.seconds,
    },
    lib: compiled.lib,
    files: { source, header, log },
  };
  if (ship) {
    const meta = metaBeforePublish(entry);
    entry.sha256 = meta.sha256;
    ship({ meta, lib: entry.lib, files: entry.files });
  }
  return { hit: await publishEntry(layout, entry), entry };
}

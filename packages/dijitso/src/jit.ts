import { dirname } from 'node:path';
import {
  DijitsoError,
  ParameterError,
  buildOnce,
  cacheKey,
  compressFrame,
  describe,
  lookupEntry,
  openCache,
  preloadCodecs,
  publishEntry,
  validateSignature,
  type CacheHit,
  type CacheLayout,
} from '@dijitso/core-cache';
import {
  buildHash,
  compile,
  effectiveBuild,
  resolveBuild,
  type EffectiveBuildParams,
} from '@dijitso/compiler';
import { LibraryTable, loadLibrary, type Library } from '@dijitso/loader';
import { JitGenerateError } from './errors.js';
import { runGenerate, type GenerateFn } from './generate.js';
import { resolveParams, type JitParams } from './params.js';

/** Where a library came from. */
export type Origin = 'memory' | 'disk' | 'built';

/** Arguments of `jit()`. */
export interface JitOptions {
  /** The program's unique name for the code: `[A-Za-z0-9_.-]{1,200}`, not starting with `.`. */
  signature: string;
  /** Produces the code; called only when no cache holds it. */
  generate: GenerateFn;
  /** Cache and build parameters, over the config files and the environment. */
  params?: JitParams;
}

/** What `jit()` returns. */
export interface JitResult {
  /** The loaded library: `lib.func('int add(int a, int b)')`. */
  lib: Library;
  signature: string;
  /** The cache key: the signature plus a hash of the build parameters. */
  key: string;
  /** Absolute path of the loaded `.so`. */
  path: string;
  origin: Origin;
}

/** The library could be found or built but the dynamic loader refused it. */
export class JitLoadError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JIT_LOAD_FAILED', message, options);
  }
}

const JIT_OPTION_KEYS = ['signature', 'generate', 'params'];
const table = new LibraryTable();

// What, besides the call's params, decides the key; compared on every in-memory hit.
function paramsFingerprint(params: JitParams | undefined): string {
  const env = process.env;
  let call: string;
  try {
    call = JSON.stringify(params ?? null);
  } catch {
    call = `unserializable:${Math.random()}`;
  }
  return `${call}|${env.DIJITSO_CACHE_DIR}|${env.CC}|${env.CXX}|${env.DIJITSO_CONFIG}`;
}

/**
 * Return the loaded library of `signature`: from this process's table, else from the disk cache,
 * else generate, compile, publish and load it (once across every process sharing the cache).
 */
export async function jit(options: JitOptions): Promise<JitResult> {
  if (typeof options !== 'object' || options === null) {
    throw new ParameterError(
      `Expected an object { signature, generate, params? } for jit() but received ${describe(options)}`,
    );
  }
  const fingerprint = paramsFingerprint(options.params);
  const loaded = table.get(options.signature);
  if (loaded !== undefined && loaded.paramsFingerprint === fingerprint) {
    return {
      lib: loaded.lib,
      signature: loaded.signature,
      key: loaded.key,
      path: loaded.path,
      origin: 'memory',
    };
  }
  for (const name of Object.keys(options)) {
    if (!JIT_OPTION_KEYS.includes(name)) {
      throw new ParameterError(
        `Unknown option ${name} of jit(); valid options are: ${JIT_OPTION_KEYS.join(', ')}`,
      );
    }
  }
  const signature = validateSignature(options.signature);
  if (typeof options.generate !== 'function') {
    throw new ParameterError(`Expected a function for generate but received ${describe(options.generate)}`);
  }
  const { params } = resolveParams(options.params);
  const build = effectiveBuild(params.build);
  const key = cacheKey(signature, buildHash(build));
  const layout = await openCache(params.cache.dir);

  let hit = await lookupEntry(layout, key);
  let origin: Origin = 'disk';
  if (hit === null) {
    const outcome = await buildOnce(
      layout,
      key,
      {
        lookup: (underLock) => lookupEntry(layout, key, { quarantine: underLock }),
        build: () => buildEntry(layout, key, signature, build, options),
      },
      {
        staleMs: params.cache.lockStaleMs,
        ...(params.cache.lockTimeoutMs ? { timeoutMs: params.cache.lockTimeoutMs } : {}),
      },
    );
    hit = outcome.value;
    origin = outcome.built ? 'built' : 'disk';
  }
  const lib = load(hit);
  table.set({ signature, key, lib, path: hit.libPath, paramsFingerprint: fingerprint });
  return { lib, signature, key, path: hit.libPath, origin };
}

function load(hit: CacheHit): Library {
  try {
    return loadLibrary(hit.libPath);
  } catch (error) {
    throw new JitLoadError(
      `The dynamic loader refused ${hit.libPath} (${hit.meta.signature}): ${(error as Error).message}. ` +
        'If a dependency is missing, jit it first into the same cache directory.',
      { cause: error },
    );
  }
}

async function buildEntry(
  layout: CacheLayout,
  key: string,
  signature: string,
  build: EffectiveBuildParams,
  options: JitOptions,
): Promise<CacheHit> {
  const code = await runGenerate(options.generate, { signature, params: options.params ?? {} });
  const dependencies = code.dependencies.map((dependency) => {
    const entry = table.get(dependency);
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
  const compiled = await compile({
    layout,
    key,
    signature,
    build: resolveBuild(build, code.language),
    source: code.source,
    header: code.header,
    dependencies,
    whileCompiling: preloadCodecs,
  });
  const [source, header, log] = await Promise.all([
    compressFrame(code.source),
    code.header === undefined ? undefined : compressFrame(code.header),
    compiled.output.length > 0 ? compressFrame(compiled.output) : undefined,
  ]);
  return publishEntry(layout, {
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
  });
}

/** Unload the library of `signature` from this process; true when it was loaded. */
export function unload(signature: string): boolean {
  return table.unload(signature);
}

/** Signatures loaded in this process. */
export function loadedSignatures(): string[] {
  return table.signatures();
}

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ParameterError, describe, parseSize } from '@dijitso/core-cache/runtime';
import { BUILD_PARAM_KEYS, checkBuildParams, type BuildParams } from '@dijitso/compiler';

/** Cache parameters (`params.cache`). */
export interface CacheParams {
  /** The cache directory (default `$DIJITSO_CACHE_DIR`, else `$XDG_CACHE_HOME/dijitso`, else `~/.cache/dijitso`). */
  dir?: string;
  /** A build lock not refreshed for this long is taken over (its holder crashed). Default 10000 ms. */
  lockStaleMs?: number;
  /** Give up waiting for another process's build after this long. Default: no limit. */
  lockTimeoutMs?: number;
  /**
   * Size limit of the cache: bytes, or a string such as `"500M"` or `"5G"` (1024-based); default
   * `"5G"`, 0 for no limit. Enforced now and then after a build by evicting least-recently-used entries.
   */
  maxSize?: number | string;
  /**
   * A second, persistent cache directory behind `dir` (default `$DIJITSO_SHARED_CACHE_DIR`): on a
   * cluster the shared file system that survives the job, `dir` being the fast node-local disk.
   * Lookup order: memory, `dir`, this tier, build; a build is published to both. It may be read-only.
   */
  shared?: string;
  /**
   * A group (name or numeric gid) trusted to write the shared tier: a shared tier of that group,
   * writable by it, is accepted when this user belongs to it. Never one that others can write to.
   */
  trustedGroup?: string;
}

/** Every parameter of `jit()`; all optional. */
export interface JitParams {
  cache?: CacheParams;
  build?: BuildParams;
}

/** Parameters with every layer applied. */
export interface ResolvedParams {
  cache: {
    dir: string;
    lockStaleMs: number;
    lockTimeoutMs: number | undefined;
    maxSize: number;
    shared: string | undefined;
    trustedGroup: string | undefined;
  };
  build: BuildParams;
}

/** Where each parameter's value came from, keyed `section.name`. */
export type ParamSources = Record<string, string>;

const CACHE_KEYS = ['dir', 'lockStaleMs', 'lockTimeoutMs', 'maxSize', 'shared', 'trustedGroup'] as const;
const PATH_KEYS: readonly string[] = ['dir', 'shared'];
/** The default of `cache.maxSize`, as ccache's. */
export const DEFAULT_MAX_SIZE = '5G';
const SECTIONS = ['cache', 'build'] as const;

/** Check a params object (from `where`: the call, a config file) and return it typed. */
export function checkParams(value: unknown, where: string): JitParams {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParameterError(`Expected an object for ${where} but received ${describe(value)}`);
  }
  for (const [section, content] of Object.entries(value)) {
    if (section === 'build') checkBuildParams(content, `${where}.build`);
    else if (section === 'cache') checkCacheParams(content, `${where}.cache`);
    else {
      throw new ParameterError(
        `Unknown parameter ${where}.${section}; valid sections are: ${SECTIONS.join(', ')}`,
      );
    }
  }
  return value as JitParams;
}

function checkCacheParams(value: unknown, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParameterError(`Expected an object for ${where} but received ${describe(value)}`);
  }
  for (const [name, content] of Object.entries(value)) {
    if (!(CACHE_KEYS as readonly string[]).includes(name)) {
      throw new ParameterError(
        `Unknown parameter ${where}.${name}; valid keys are: ${CACHE_KEYS.join(', ')}`,
      );
    }
    if (content === undefined) continue;
    if (PATH_KEYS.includes(name)) {
      if (typeof content !== 'string' || content.length === 0) {
        throw new ParameterError(
          `Expected a non-empty path for ${where}.${name} but received ${describe(content)}`,
        );
      }
      continue;
    }
    if (name === 'trustedGroup') {
      if (typeof content !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(content)) {
        throw new ParameterError(
          `Expected a group name or numeric gid for ${where}.trustedGroup but received ${describe(content)}`,
        );
      }
      continue;
    }
    if (name === 'maxSize') {
      parseSize(content as number | string, `${where}.maxSize`);
      continue;
    }
    if (typeof content !== 'number' || !Number.isFinite(content) || content <= 0) {
      throw new ParameterError(
        `Expected a positive number of milliseconds for ${where}.${name} but received ${describe(content)}`,
      );
    }
  }
}

/** The config files read, lowest precedence first: the user's, the working directory's, `$DIJITSO_CONFIG`. */
export function configFiles(): string[] {
  const files = [join(homedir(), '.config', 'dijitso', 'config.json'), resolve('.dijitso.json')];
  if (process.env.DIJITSO_CONFIG) files.push(resolve(process.env.DIJITSO_CONFIG));
  return files;
}

const configCache = new Map<string, JitParams | null>();

function readConfig(path: string, required: boolean): JitParams | null {
  if (configCache.has(path)) return configCache.get(path)!;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (required) {
      throw new ParameterError(
        `Cannot read the config file ${path} named by DIJITSO_CONFIG: ${(error as Error).message}`,
      );
    }
    configCache.set(path, null);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ParameterError(`The config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const params = checkParams(parsed, `config file ${path}:`);
  configCache.set(path, params);
  return params;
}

/** Forget config files read so far (they are read once per process). */
export function forgetConfigFiles(): void {
  configCache.clear();
}

/**
 * Every environment variable the parameters are read from (directly or through the config
 * files and the default cache directory); a change of any of them may change the key or the cache.
 */
export const PARAMETER_ENVIRONMENT: readonly string[] = [
  'DIJITSO_CACHE_DIR',
  'DIJITSO_SHARED_CACHE_DIR',
  'DIJITSO_CONFIG',
  'CC',
  'CXX',
  'XDG_CACHE_HOME',
  'HOME',
];

/** The default cache directory. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dijitso');
}

/**
 * Apply the layers: defaults ← config files ← environment (`DIJITSO_CACHE_DIR`,
 * `DIJITSO_SHARED_CACHE_DIR`, `CC`, `CXX`) ← the call.
 * Returns the parameters and where each set value came from.
 */
export function resolveParams(callParams?: JitParams): { params: ResolvedParams; sources: ParamSources } {
  const call = checkParams(callParams, 'params');
  const sources: ParamSources = {
    'cache.dir': 'default',
    'cache.lockStaleMs': 'default',
    'cache.maxSize': 'default',
  };
  const cache: Record<string, unknown> = {
    dir: defaultCacheDir(),
    lockStaleMs: 10_000,
    maxSize: DEFAULT_MAX_SIZE,
  };
  const build: Record<string, unknown> = {};
  const apply = (layer: JitParams | null | undefined, from: string): void => {
    if (!layer) return;
    for (const [section, target] of [
      ['cache', cache],
      ['build', build],
    ] as const) {
      for (const [name, value] of Object.entries(layer[section] ?? {})) {
        if (value === undefined) continue;
        target[name] = value;
        sources[`${section}.${name}`] = from;
      }
    }
  };
  const files = configFiles();
  files.forEach((file, index) => {
    const explicit = index === 2;
    apply(readConfig(file, explicit), `config file ${file}`);
  });
  const env = process.env;
  apply(
    {
      cache: {
        ...(env.DIJITSO_CACHE_DIR ? { dir: env.DIJITSO_CACHE_DIR } : {}),
        ...(env.DIJITSO_SHARED_CACHE_DIR ? { shared: env.DIJITSO_SHARED_CACHE_DIR } : {}),
      },
      build: { ...(env.CC ? { cc: env.CC } : {}), ...(env.CXX ? { cxx: env.CXX } : {}) },
    },
    'environment',
  );
  apply(call, 'call');
  cache.dir = resolve(cache.dir as string);
  cache.shared = cache.shared === undefined ? undefined : resolve(cache.shared as string);
  cache.trustedGroup ??= undefined;
  cache.maxSize = parseSize(cache.maxSize as number | string, 'cache.maxSize');
  return {
    params: {
      cache: cache as ResolvedParams['cache'],
      build: build as BuildParams,
    },
    sources,
  };
}

/** Every valid parameter name, `section.key`. */
export const PARAMETER_NAMES: readonly string[] = [
  ...CACHE_KEYS.map((k) => `cache.${k}`),
  ...BUILD_PARAM_KEYS.map((k) => `build.${k}`),
];

import { ParameterError, describe, sha256Text, type Language } from '@dijitso/core-cache/runtime';
import type { BuildIdentity, CompilerIdentity } from './identity.js';

/** Build parameters a user can set (`params.build`). Plural ones are arrays of strings. */
export interface BuildParams {
  /** C compiler command (default `$CC`, else `cc`). */
  cc?: string;
  /** C++ compiler command (default `$CXX`, else `c++`). */
  cxx?: string;
  /** Extra flags for C sources, after the defaults (`-shared -fPIC -O2`). */
  cflags?: string[];
  /** Extra flags for C++ sources, after the defaults (`-shared -fPIC -O2 -std=c++17`). */
  cxxflags?: string[];
  /** Extra linker arguments, placed after the source. */
  ldflags?: string[];
  /** Libraries to link (`m` → `-lm`). */
  libs?: string[];
  /** Include directories (`-I`). */
  includeDirs?: string[];
  /** Library directories (`-L`, and an rpath so the loader finds them). */
  libDirs?: string[];
  /** Replace the default flags entirely instead of appending to them. */
  noDefaultFlags?: boolean;
  /**
   * Compilers this host runs at once, shared by every process of the user on it (default: the CPUs
   * this process may use, a cgroup quota respected). Not part of the key.
   */
  jobs?: number;
}

/** The valid keys of `BuildParams`, for error messages and checks. */
export const BUILD_PARAM_KEYS = [
  'cc',
  'cxx',
  'cflags',
  'cxxflags',
  'ldflags',
  'libs',
  'includeDirs',
  'libDirs',
  'noDefaultFlags',
  'jobs',
] as const;

/** Everything that decides the binary, minus the source: hashed into the cache key. */
export interface ResolvedBuild {
  language: Language;
  compiler: string;
  /** Flags before the output and source. */
  flags: string[];
  includeDirs: string[];
  libDirs: string[];
  libs: string[];
  ldflags: string[];
  /** True when a flag ties the binary to the CPU that built it. */
  hostSpecific: boolean;
}

const DEFAULT_FLAGS = ['-shared', '-fPIC', '-O2'];
const HOST_SPECIFIC = /^-m(arch|tune|cpu)=native$/;

/** Check `params` (from a call, a config file or the environment: named by `where`) against BuildParams. */
export function checkBuildParams(params: unknown, where: string): BuildParams {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ParameterError(`Expected an object for ${where} but received ${describe(params)}`);
  }
  for (const [name, value] of Object.entries(params)) {
    if (!(BUILD_PARAM_KEYS as readonly string[]).includes(name)) {
      throw new ParameterError(
        `Unknown parameter ${where}.${name}; valid keys are: ${BUILD_PARAM_KEYS.join(', ')}`,
      );
    }
    if (value === undefined) continue;
    if (name === 'cc' || name === 'cxx') {
      if (typeof value !== 'string' || value.length === 0) {
        throw new ParameterError(
          `Expected a non-empty string for ${where}.${name} but received ${describe(value)}`,
        );
      }
    } else if (name === 'jobs') {
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new ParameterError(
          `Expected a positive integer (compilers at once on this host) for ${where}.${name} but received ${describe(value)}`,
        );
      }
    } else if (name === 'noDefaultFlags') {
      if (typeof value !== 'boolean') {
        throw new ParameterError(`Expected a boolean for ${where}.${name} but received ${describe(value)}`);
      }
    } else if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new ParameterError(
        `Expected an array of strings for ${where}.${name} but received ${describe(value)}`,
      );
    }
  }
  return params as BuildParams;
}

/** Build parameters with every default filled in: what the cache key is computed from (all but `jobs`). */
export type EffectiveBuildParams = Required<Omit<BuildParams, 'jobs'>> & { jobs: number | undefined };

/** Fill in the defaults of checked params (compilers `cc`/`c++`, empty lists). */
export function effectiveBuild(params: BuildParams): EffectiveBuildParams {
  return {
    cc: params.cc ?? 'cc',
    cxx: params.cxx ?? 'c++',
    cflags: params.cflags ?? [],
    cxxflags: params.cxxflags ?? [],
    ldflags: params.ldflags ?? [],
    libs: params.libs ?? [],
    includeDirs: params.includeDirs ?? [],
    libDirs: params.libDirs ?? [],
    noDefaultFlags: params.noDefaultFlags ?? false,
    jobs: params.jobs,
  };
}

/** Resolve the build of `language`: the compiler command and every flag. */
export function resolveBuild(params: EffectiveBuildParams, language: Language): ResolvedBuild {
  const isC = language === 'c';
  const defaults = params.noDefaultFlags ? [] : isC ? DEFAULT_FLAGS : [...DEFAULT_FLAGS, '-std=c++17'];
  const flags = [...defaults, ...(isC ? params.cflags : params.cxxflags)];
  return {
    language,
    compiler: isC ? params.cc : params.cxx,
    flags,
    includeDirs: params.includeDirs,
    libDirs: params.libDirs,
    libs: params.libs,
    ldflags: params.ldflags,
    hostSpecific: isHostSpecific(params),
  };
}

/**
 * True when any flag of `params` ties the binary to the CPU that builds it (`-march=native`, ...).
 * The only rule for it: the plan decides before `generate` tells the language, so both languages'
 * flags count, and the meta records the same answer.
 */
export function isHostSpecific(params: EffectiveBuildParams): boolean {
  return [...params.cflags, ...params.cxxflags, ...params.ldflags].some((flag) => HOST_SPECIFIC.test(flag));
}

/**
 * 12 hex digits of sha256 over the effective build parameters, the default flags and `identity`:
 * the file each compiler command runs (path, size, mtime) and the target (architecture, platform),
 * so a compiler upgrade or a node of another architecture sharing the directory gets its own key.
 * The key is needed before `generate` tells the language, so both languages' settings are hashed:
 * changing any compiler or flag gives a new key. Pure: `buildIdentity(params)` gives the identity.
 */
export function buildHash(params: EffectiveBuildParams, identity: BuildIdentity): string {
  const canonical = JSON.stringify([
    DEFAULT_FLAGS,
    params.cc,
    params.cxx,
    params.cflags,
    params.cxxflags,
    params.ldflags,
    params.libs,
    params.includeDirs,
    params.libDirs,
    params.noDefaultFlags,
  ]);
  return sha256Text(`${canonical}\n${identityText(identity)}`).slice(0, 12);
}

// The identity's part of the hash input, kept per frozen identity (buildIdentity's are): formatting
// it on every call would double the key's cost on a warm call (packages/compiler/bench/identity.mjs).
const identityTexts = new WeakMap<BuildIdentity, string>();

function identityText(identity: BuildIdentity): string {
  let text = identityTexts.get(identity);
  if (text === undefined) {
    const file = (compiler: CompilerIdentity): [string, number, number] => [
      compiler.path,
      compiler.size,
      compiler.mtimeMs,
    ];
    const { cc, cxx, target } = identity;
    text = JSON.stringify([file(cc), file(cxx), target.arch, target.platform]);
    const immutable = [identity, cc, cxx, target].every((part) => Object.isFrozen(part));
    if (immutable) identityTexts.set(identity, text);
  }
  return text;
}

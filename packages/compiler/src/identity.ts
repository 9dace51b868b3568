import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { CompilerNotFoundError } from './errors.js';

/** Which file a compiler command runs, as ccache's default `compiler_check` sees it: a stat. Frozen. */
export interface CompilerIdentity {
  /** The command as configured (`c++`, `$CXX`, `params.build.cxx`). */
  command: string;
  /** The executable it resolves to on `PATH`, symlinks followed (`/usr/bin/x86_64-linux-gnu-g++-12`). */
  path: string;
  /** Byte size of that file. */
  size: number;
  /** Its modification time, milliseconds since the epoch. */
  mtimeMs: number;
}

/** What a binary is built for, besides its flags: the architecture and operating system of this process. */
export interface BuildTarget {
  /** `process.arch`: `x64`, `arm64`, ... */
  arch: string;
  /** `process.platform`: `linux`, `darwin`, ... */
  platform: string;
}

/** Everything the cache key covers besides the build parameters. */
export interface BuildIdentity {
  cc: CompilerIdentity;
  cxx: CompilerIdentity;
  target: BuildTarget;
}

/**
 * Find `command` as `execFile` would (a name with a `/` is a path from the working directory;
 * otherwise the first executable file of that name in `searchPath`), follow its symlinks and stat
 * it. Uncached: see `compilerIdentity`. A command that names no executable file is a
 * `CompilerNotFoundError` naming the command and the search path. Synchronous: a few stats, once
 * per process, that every later step of the call waits for anyway.
 */
export function resolveCompilerIdentity(
  command: string,
  searchPath: string = process.env.PATH ?? '',
): CompilerIdentity {
  const candidates = command.includes('/')
    ? [resolve(command)]
    : searchPath.split(delimiter).map((dir) => resolve(dir, command));
  for (const candidate of candidates) {
    // stat follows symlinks: size and mtime are the real executable's.
    const stats = statSync(candidate, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isFile()) continue;
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    return Object.freeze({
      command,
      path: realpathSync.native(candidate),
      size: stats.size,
      mtimeMs: stats.mtimeMs,
    });
  }
  const where = command.includes('/') ? 'that path' : `PATH (${searchPath || 'empty'})`;
  throw new CompilerNotFoundError(
    command,
    `The compiler "${command}" is not an executable file in ${where}; the cache key covers the ` +
      "compiler's identity, so no library can be looked up without it. Install one " +
      '(apt-get install g++) or name it with params.build.cxx / params.build.cc, $CXX or $CC.',
  );
}

// One resolve per command per process: a warm call then costs a Map lookup, not a PATH walk and
// stats. A compiler replaced while the process runs is noticed by the next process only.
const identities = new Map<string, CompilerIdentity>();

/** `resolveCompilerIdentity(command)`, once per command string per process. */
export function compilerIdentity(command: string): CompilerIdentity {
  let identity = identities.get(command);
  if (identity === undefined) {
    identity = resolveCompilerIdentity(command);
    identities.set(command, identity);
  }
  return identity;
}

const target: BuildTarget = Object.freeze({ arch: process.arch, platform: process.platform });
const pairs = new Map<string, Map<string, BuildIdentity>>();

/**
 * The identity of both compilers of `params` and this process's target, for the cache key: one
 * frozen object per pair of commands per process, which `buildHash` formats once.
 */
export function buildIdentity(params: { cc: string; cxx: string }): BuildIdentity {
  let byCxx = pairs.get(params.cc);
  if (byCxx === undefined) {
    byCxx = new Map();
    pairs.set(params.cc, byCxx);
  }
  let identity = byCxx.get(params.cxx);
  if (identity === undefined) {
    identity = Object.freeze({ cc: compilerIdentity(params.cc), cxx: compilerIdentity(params.cxx), target });
    byCxx.set(params.cxx, identity);
  }
  return identity;
}

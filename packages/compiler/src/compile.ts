import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CacheIOError,
  ioError,
  makeStaging,
  removeStaging,
  sourceExtension,
  type BuildRecord,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import type { ResolvedBuild } from './build-config.js';
import { formatDiagnostics, parseDiagnostics } from './diagnostics.js';
import { CompilerNotFoundError, JitCompileError } from './errors.js';
import { childProcess, compilerVersion, cpuFingerprint } from './host.js';
import { compilerIdentity } from './identity.js';

/** What to compile. */
export interface CompileRequest {
  layout: CacheLayout;
  key: string;
  signature: string;
  build: ResolvedBuild;
  source: string;
  /** Written beside the source as `<signature>.h`, so the source can `#include "<signature>.h"`. */
  header?: string | undefined;
  /** Keys of published libraries (in `layout.libDir`) to link against. */
  dependencies?: string[];
  /** Work to overlap with the compiler's run (it starts once the compiler is running). */
  whileCompiling?: () => Promise<unknown>;
}

/** A successful build, still private to the caller. */
export interface CompileResult {
  lib: Buffer;
  /** Everything the compiler printed (warnings). */
  output: string;
  seconds: number;
  record: BuildRecord;
}

const OUTPUT = 'lib.so';

/** The compiler's argument list for a source file `sourceName`, producing `OUTPUT`. */
export function compilerArgs(
  request: Pick<CompileRequest, 'build' | 'dependencies'>,
  sourceName: string,
): string[] {
  const { build } = request;
  const deps = request.dependencies ?? [];
  return [
    ...build.flags,
    ...build.includeDirs.map((dir) => `-I${dir}`),
    '-o',
    OUTPUT,
    sourceName,
    // Libraries go after the source: the toolchain links --as-needed.
    ...(deps.length > 0 ? ['-L' + '$DIJITSO_LIB', ...deps.map((key) => `-l:${key}.so`)] : []),
    ...build.libDirs.flatMap((dir) => [`-L${dir}`, `-Wl,-rpath,${dir}`]),
    ...build.libs.map((lib) => `-l${lib}`),
    // Dependencies sit in the same lib/ folder wherever the cache is (or is shipped to).
    '-Wl,-rpath,$ORIGIN',
    ...build.ldflags,
  ];
}

/**
 * Compile in a private staging folder under `tmp/`. On failure the folder moves to `err/<key>/`
 * with the source, header, command and output, and a `JitCompileError` is thrown.
 */
export async function compile(request: CompileRequest): Promise<CompileResult> {
  const { layout, key, signature, build } = request;
  // The file the key was made with (memoized per process); a missing compiler fails here, before any write.
  const identity = compilerIdentity(build.compiler);
  const staging = await makeStaging(layout, key);
  const sourceName = `${signature}.${sourceExtension(build.language)}`;
  const sources: Record<string, string> = { [sourceName]: request.source };
  try {
    await writeFile(join(staging, sourceName), request.source);
    if (request.header !== undefined) {
      sources[`${signature}.h`] = request.header;
      await writeFile(join(staging, `${signature}.h`), request.header);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw ioError(`write the source of ${signature} into ${staging}`, error);
  }
  const recordedArgs = compilerArgs(request, sourceName);
  const args = recordedArgs.map((arg) => (arg === '-L$DIJITSO_LIB' ? `-L${layout.libDir}` : arg));
  const started = process.hrtime.bigint();
  const { execFile } = await childProcess();
  const running = runCompiler(execFile, build.compiler, args, staging);
  // The compiler is a child process now: this process's own work (loading modules) runs beside it.
  // A failure here resurfaces where that work is needed, with its own error.
  const overlapped = request.whileCompiling?.().catch(() => undefined);
  const [run, version] = await Promise.all([running, compilerVersion(build.compiler)]);
  await overlapped;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.spawnError) {
    await rm(staging, { recursive: true, force: true });
    const code = run.spawnError.code;
    throw new CompilerNotFoundError(
      build.compiler,
      `Could not run the compiler "${build.compiler}" (${code ?? run.spawnError.message}) to build ${signature}. ` +
        `Install one (apt-get install g++) or name it with params.build.${build.language === 'c' ? 'cc' : 'cxx'} ` +
        `or $${build.language === 'c' ? 'CC' : 'CXX'}.`,
      { cause: run.spawnError },
    );
  }
  if (run.exitCode !== 0 && /No space left on device|Disk quota exceeded/.test(run.output)) {
    // Not the code's fault: say so, and keep nothing (there is no room for it anyway).
    await rm(staging, { recursive: true, force: true });
    throw new CacheIOError(
      `Compiling ${signature} failed for lack of space in ${layout.tmpDir}: ` +
        'no space left on the device (or quota exceeded). Free space, point cache.dir elsewhere, ' +
        `or shrink the cache with \`dijitso gc\`. The compiler said:\n${run.output.trim().split('\n').slice(0, 5).join('\n')}`,
    );
  }
  if (run.exitCode !== 0) {
    const failurePath = await keepFailure(layout, key, staging, build.compiler, args, run.output);
    const diagnostics = parseDiagnostics(run.output);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = formatDiagnostics(errors.slice(0, 3), sources);
    const more = errors.length > 3 ? `\n  ... and ${errors.length - 3} more error(s)` : '';
    const status = run.exitCode === null ? `was killed by ${run.signal}` : `exited with ${run.exitCode}`;
    throw new JitCompileError(
      `Compiling ${signature} failed: ${build.compiler} ${status}, ${errors.length} error(s)\n` +
        (shown ? shown + more : run.output.trim().split('\n').slice(0, 10).join('\n')) +
        `\nThe failed build (source, command, output) is kept in ${failurePath}`,
      { diagnostics, failurePath, output: run.output },
    );
  }
  try {
    const lib = await readFile(join(staging, OUTPUT));
    return {
      lib,
      output: run.output,
      seconds,
      record: {
        compiler: build.compiler,
        compilerVersion: version,
        args: recordedArgs,
        hostSpecific: build.hostSpecific,
        cpu: cpuFingerprint(),
        compilerFile: { path: identity.path, size: identity.size, mtimeMs: identity.mtimeMs },
        target: { arch: process.arch, platform: process.platform },
      },
    };
  } catch (error) {
    throw ioError(`read the library the compiler wrote in ${staging}`, error);
  } finally {
    await removeStaging(staging, [...Object.keys(sources), OUTPUT]);
  }
}

interface CompilerRun {
  exitCode: number | null;
  signal: string | null;
  output: string;
  spawnError?: NodeJS.ErrnoException;
}

function runCompiler(
  execFile: typeof import('node:child_process').execFile,
  compiler: string,
  args: string[],
  cwd: string,
): Promise<CompilerRun> {
  return new Promise((resolve) => {
    execFile(
      compiler,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!error) return resolve({ exitCode: 0, signal: null, output });
        const errno = error as NodeJS.ErrnoException & { code?: unknown; signal?: string | null };
        if (typeof errno.code === 'string') {
          return resolve({ exitCode: null, signal: null, output, spawnError: errno });
        }
        resolve({
          exitCode: typeof errno.code === 'number' ? errno.code : null,
          signal: errno.signal ?? null,
          output,
        });
      },
    );
  });
}

async function keepFailure(
  layout: CacheLayout,
  key: string,
  staging: string,
  compiler: string,
  args: string[],
  output: string,
): Promise<string> {
  const target = layout.failure(key);
  try {
    await writeFile(join(staging, 'command.json'), JSON.stringify([compiler, ...args]) + '\n');
    await writeFile(
      join(staging, 'command.sh'),
      `cd "$(dirname "$0")" && ${[compiler, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')}\n`,
    );
    await writeFile(join(staging, 'output.txt'), output);
    await rm(target, { recursive: true, force: true });
    await mkdir(layout.errDir, { recursive: true, mode: 0o700 });
    await rename(staging, target);
    return target;
  } catch {
    // Keeping the failure is a courtesy: the compile error itself is what the caller must see.
    return staging;
  }
}

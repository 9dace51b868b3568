import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  checkCacheDirectory,
  makeStaging,
  openCache,
  verifyEntries,
  type CacheLayout,
  type HealthCheck,
  type Language,
} from '@dijitso/core-cache';
import { compile, effectiveBuild, resolveBuild, type BuildParams } from '@dijitso/compiler';
import { loadLibrary } from '@dijitso/loader';
import { resolveParams, type JitParams } from './params.js';

export type { HealthCheck } from '@dijitso/core-cache';

/** Options of `runDoctor`. */
export interface DoctorOptions {
  /** Parameters as for `jit()` (the cache directory, the compilers). */
  params?: JitParams;
  /** Progress of the entry verification (it reads every library). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Check what `jit()` needs: the cache directory (permissions, writable, free space), each compiler
 * (it compiles a tiny library and loads it from the cache, which also catches a `noexec` mount),
 * MPI (optional), and every entry's integrity (size and sha256).
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<HealthCheck[]> {
  const { params } = resolveParams(options.params);
  const { checks, layout } = await checkCacheDirectory(params.cache.dir);
  // A broken cache directory must not hide whether the compilers work: probe them elsewhere then.
  let scratch: string | undefined;
  const probeLayout =
    layout ?? (await openCache((scratch = await mkdtemp(join(tmpdir(), 'dijitso-doctor-')))));
  try {
    for (const language of ['c++', 'c'] as const)
      checks.push(await probeCompiler(probeLayout, params.build, language));
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
  checks.push(await detectMpi());
  if (layout) {
    const { verified, corrupt } = await verifyEntries(
      layout,
      options.onProgress ? { onProgress: options.onProgress } : {},
    );
    checks.push(
      corrupt.length === 0
        ? { name: 'entries', status: 'ok', detail: `${verified} verified (size and sha256)` }
        : {
            name: 'entries',
            status: 'fail',
            detail:
              `${corrupt.length} of ${verified} corrupt (the next jit() of each moves it to err/ and rebuilds it):\n` +
              corrupt.map((entry) => `${entry.key}: ${entry.problem}`).join('\n'),
          },
    );
  }
  return checks;
}

const PROBE_SOURCE = 'int dijitso_doctor_probe(void) { return 42; }\n';

/** Compile a one-function library with the configured compiler of `language`, then load and call it. */
export async function probeCompiler(
  layout: CacheLayout,
  build: BuildParams,
  language: Language,
): Promise<HealthCheck> {
  const resolved = resolveBuild(effectiveBuild(build), language);
  const name = `${language === 'c' ? 'C' : 'C++'} compiler`;
  const signature = language === 'c' ? 'dijitso_doctor_c' : 'dijitso_doctor_cxx';
  const source = language === 'c' ? PROBE_SOURCE : `extern "C" ${PROBE_SOURCE}`;
  let compiled;
  try {
    compiled = await compile({
      layout,
      key: `${signature}-000000000000`,
      signature,
      build: resolved,
      source,
    });
  } catch (error) {
    return { name, status: 'fail', detail: (error as Error).message };
  }
  const file = compiled.record.compilerFile?.path;
  const runs = file !== undefined && file !== resolved.compiler ? ` = ${file}` : '';
  const what = `${resolved.compiler}${runs} (${compiled.record.compilerVersion || 'version unknown'})`;
  const staging = await makeStaging(layout, `${signature}-000000000000`);
  try {
    const path = join(staging, 'probe.so');
    await writeFile(path, compiled.lib, { mode: 0o700 });
    const lib = await loadLibrary(path);
    const result = (lib.func('int dijitso_doctor_probe(void)') as () => number)();
    lib.unload();
    if (result !== 42) throw new Error(`the test function returned ${result}, not 42`);
    return {
      name,
      status: 'ok',
      detail: `${what} compiled and loaded a test library in ${compiled.seconds.toFixed(2)} s`,
    };
  } catch (error) {
    return {
      name,
      status: 'fail',
      detail:
        `${what} compiled a test library, but loading it from ${layout.tmpDir} failed: ${(error as Error).message}. ` +
        'Is the file system mounted noexec? Choose another cache.dir.',
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Which MPI is installed: Open MPI (`mpicc --showme:version`, `mpirun --version`), MPICH (`mpichversion`). */
export async function detectMpi(): Promise<HealthCheck> {
  const found: string[] = [];
  const mpicc = which('mpicc');
  const mpirun = which('mpirun');
  const mpichversion = which('mpichversion');
  if (mpicc) {
    const version = await firstLine(mpicc, ['--showme:version']);
    found.push(version ? `${version.replace(/^\S*mpicc:\s*/, '')} (${mpicc})` : `mpicc ${mpicc}`);
  }
  if (mpirun) {
    const version = await firstLine(mpirun, ['--version']);
    found.push(`${version ?? 'mpirun'} (${mpirun})`);
  }
  if (mpichversion) {
    const version = await firstLine(mpichversion, []);
    found.push(`${version?.replace(/\s+/g, ' ') ?? 'MPICH'} (${mpichversion})`);
  }
  if (found.length === 0) {
    return {
      name: 'MPI',
      status: 'warn',
      detail:
        'not found (no mpicc, mpirun or mpichversion on PATH). jit() works without comm; for MPI install ' +
        'Open MPI (apt-get install openmpi-bin libopenmpi-dev) or MPICH (apt-get install mpich libmpich-dev).',
    };
  }
  return { name: 'MPI', status: 'ok', detail: found.join('; ') };
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

function firstLine(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout) => {
      const line = stdout.split('\n').find((text) => text.trim().length > 0);
      resolve(error || line === undefined ? undefined : line.trim());
    });
  });
}

// The doctor's public functions, loading the doctor (and the cache tools it uses) on first call:
// a program that only jits does not pay for them at import.
import type { BuildParams } from '@dijitso/compiler';
import type { HealthCheck } from '@dijitso/core-cache';
import type { CacheLayout, Language } from '@dijitso/core-cache/runtime';
import type { DoctorOptions } from './doctor.js';

export type { DoctorOptions } from './doctor.js';
export type { HealthCheck } from '@dijitso/core-cache';

/**
 * Check what `jit()` needs: the cache directory (permissions, writable, free space), each compiler
 * (a tiny library compiled and loaded from the cache), MPI (optional), and every entry's integrity.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<HealthCheck[]> {
  return (await import('./doctor.js')).runDoctor(options);
}

/** Compile a one-function library with the configured compiler of `language`, then load and call it. */
export async function probeCompiler(
  layout: CacheLayout,
  build: BuildParams,
  language: Language,
): Promise<HealthCheck> {
  return (await import('./doctor.js')).probeCompiler(layout, build, language);
}

/** Which MPI is installed: Open MPI (`mpicc --showme:version`, `mpirun --version`), MPICH (`mpichversion`). */
export async function detectMpi(): Promise<HealthCheck> {
  return (await import('./doctor.js')).detectMpi();
}

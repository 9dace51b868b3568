import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockfile } from './lock.js';

/**
 * The CPUs this process may use: `os.availableParallelism()` (the affinity mask), bounded by a
 * cgroup v2 CPU quota (`cpu.max`, as a container or a batch system's job step sets it).
 */
export function usableCpus(): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    const ratio = Number(quota) / Number(period);
    if (quota !== 'max' && Number.isFinite(ratio) && ratio > 0)
      return Math.max(1, Math.min(cpus, Math.ceil(ratio)));
  } catch {
    // No cgroup v2 quota to read: the affinity mask is the bound.
  }
  return cpus;
}

// Slots are lock folders in this host's temporary directory, one set per user: every process of
// the user on this host (every rank, every job) shares them; proper-lockfile keeps a held slot's
// mtime fresh, and a slot whose holder died goes stale and is taken.
function slotsDir(): string {
  const dir = join(tmpdir(), `dijitso-${process.getuid?.() ?? 'user'}`, 'compile-slots');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Run `work` while holding one of `jobs` compile slots of this host, waiting as long as it takes
 * for one to free up (a wait for a slot is not a timeout: the compilers ahead are making progress).
 */
export async function withHostSlot<T>(jobs: number, work: () => Promise<T>): Promise<T> {
  const { lock } = await lockfile();
  const dir = slotsDir();
  let delay = 5;
  for (;;) {
    for (let slot = 0; slot < jobs; slot++) {
      let release: (() => Promise<void>) | undefined;
      try {
        release = await lock(join(dir, `slot-${slot}`), { realpath: false, retries: 0, stale: 10_000 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ELOCKED') continue;
        throw error;
      }
      try {
        return await work();
      } finally {
        await release().catch(() => undefined);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(25, delay * 2);
  }
}

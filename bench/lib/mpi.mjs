// Launching MPI jobs for the benchmarks: the mpirun command line for this machine, and a timed
// run that kills a stuck job (the reference dijitso can deadlock) instead of hanging the bench.
import { execFileSync, spawn } from 'node:child_process';
import { benchEnv } from './env.mjs';

/** The simulated node disk of `rank` in the peer bench: ranks 2k and 2k+1 share disk k (disk 0 when there is one). */
export function diskOf(disks, rank) {
  return Number(disks) === 1 ? 0 : rank >> 1;
}

/** The environment every job runs with (Open MPI as root in a container needs the first variable). */
export function mpiEnv(extra = {}) {
  return benchEnv({ OMPI_MCA_btl_vader_single_copy_mechanism: 'none', ...extra });
}

let openMpi;
/** mpirun arguments to start `n` copies of `command args` (Open MPI: as root, oversubscribed). */
export function mpirunArgs(n, command, args) {
  openMpi ??= /Open MPI/.test(execFileSync('mpirun', ['--version'], { encoding: 'utf8' }));
  const flags = [];
  if (openMpi) {
    if (process.getuid?.() === 0) flags.push('--allow-run-as-root');
    flags.push('--oversubscribe');
  }
  return [...flags, '-n', String(n), command, ...args];
}

/**
 * Run a command in its own process group; resolve with { seconds, stdout } or, after timeoutMs,
 * kill that group and resolve with { seconds: null, timedOut: true }. Rejects on a failure exit.
 */
export function runTimed(command, args, { timeoutMs = 120_000, env = mpiEnv(), cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timedOut) resolve({ seconds: null, timedOut: true, stdout, stderr });
      else if (code !== 0)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ seconds, stdout, stderr });
    });
  });
}

/** The last line of a job's stdout that is a JSON object (rank 0's report). */
export function lastJson(stdout) {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line === undefined) throw new Error(`no JSON report in: ${stdout.slice(-500)}`);
  return JSON.parse(line);
}

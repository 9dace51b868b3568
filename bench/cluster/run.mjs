// File operations and scale on a network file system: warm jobs through the cluster harness
// (test-mpi/cluster/run.sh, $SHARED on sshfs with NFS-like client caches), ours against the
// reference python3-dijitso, each job once without strace (times) and once under traced.sh (file
// operations on $SHARED per rank, per host, per phase). Then a fitted model at 10,000 ranks.
// Usage: node bench/cluster/run.mjs [--quick] [--configs 3x4,3x8,2x8,4x8,8x8] [--impl ours,reference]
//          [--timeout SEC]   (as root; HxR is H hosts of R ranks each). Writes bench/results/cluster.{json,md}.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arithmeticSource } from '../lib/kernel.mjs';
import { lastJson, mpiEnv, runTimed } from '../lib/mpi.mjs';
import { fitModel, markdown } from './model.mjs';
import { countTraces, summarizeCounts } from './trace.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const results = join(here, '..', 'results');
const python = '/usr/bin/python3';
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const quick = argv.includes('--quick');
const configs = option('configs', quick ? '3x4,2x8' : '3x4,3x8,2x8,4x8,8x8')
  .split(',')
  .map((text) => {
    const match = /^([1-9]\d?)x([1-9]\d*)$/.exec(text);
    if (!match || Number(match[1]) > 32) {
      throw new Error(`--configs: expected HOSTSxRANKS_PER_HOST (hosts 1..32) such as 3x4, not "${text}"`);
    }
    return { hosts: Number(match[1]), ranksPerHost: Number(match[2]) };
  });
const impls = option('impl', 'ours,reference').split(',');
for (const impl of impls) {
  if (impl !== 'ours' && impl !== 'reference') throw new Error(`--impl: ours or reference, not "${impl}"`);
}
const timeoutS = Number(option('timeout', '600'));
const at = { ranks: 10_000, hosts: 300 };

function need(ok, what) {
  if (!ok) {
    console.error(`bench cluster: ${what}`);
    process.exit(1);
  }
}
const has = (command, args) => {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
need(process.getuid?.() === 0, 'must run as root (the cluster harness makes network and mount namespaces)');
need(
  has('strace', ['-V']),
  'strace is missing: apt-get install strace (npm run bench -- --only cluster installs it)',
);
need(
  has(python, ['-c', 'import dijitso, mpi4py']),
  'the reference is missing: apt-get install python3-dijitso python3-mpi4py',
);

const work = mkdtempSync(join(tmpdir(), 'dijitso-bench-cluster-'));
chmodSync(work, 0o755);
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
mkdirSync(join(work, 'shared'), { mode: 0o700 });
// The harness resolves the shared directory the same way: the ranks see this very path.
const shared = realpathSync(join(work, 'shared'));
const source = join(work, 'cluster_kernel.cpp');
writeFileSync(source, arithmeticSource(400));
const cacheDir = { ours: join(shared, 'ours'), reference: join(shared, 'reference') };
const rankCommand = {
  ours: [process.execPath, join(here, 'rank.mjs'), cacheDir.ours, source],
  reference: [python, join(here, 'rank.py'), cacheDir.reference, source],
};

// Every library file of a cache with its inode, size and mtime: a warm job must change none.
function libraries(dir) {
  const found = {};
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.so')) {
        const { ino, size, mtimeMs } = statSync(path);
        found[path.slice(dir.length + 1)] = `${ino}:${size}:${mtimeMs}`;
      }
    }
  };
  walk(dir);
  return found;
}

async function job(impl, { hosts, ranksPerHost }, { traced = false, fill = false } = {}) {
  const ranks = hosts * ranksPerHost;
  const traceDir = traced ? mkdtempSync(join(work, 'trace-')) : undefined;
  const command = traced ? ['bash', join(here, 'traced.sh'), ...rankCommand[impl]] : rankCommand[impl];
  const args = [
    join(repo, 'test-mpi', 'cluster', 'run.sh'),
    ...['--hosts', hosts, '--ranks', ranks, '--shared-fs', 'sshfs', '--fs-cache', 'nfs-like'],
    ...['--shared-dir', shared, '--timeout', timeoutS, '--', ...command],
  ].map(String);
  // io_uring file operations would be invisible to strace: keep libuv on plain system calls.
  const env = mpiEnv({ UV_USE_IO_URING: '0', ...(traceDir ? { TRACE_DIR: traceDir } : {}) });
  const record = { impl, hosts, ranksPerHost, ranks, traced };
  const before = fill ? undefined : libraries(cacheDir[impl]);
  process.stdout.write(
    `bench cluster: ${impl} ${hosts}x${ranksPerHost}${traced ? ' traced' : ''}${fill ? ' (fill)' : ''} ... `,
  );
  try {
    const run = await runTimed('bash', args, { env, cwd: repo, timeoutMs: (timeoutS + 60) * 1000 });
    if (run.timedOut) throw new Error(`no end after ${timeoutS + 60} s`);
    const report = lastJson(run.stdout);
    record.seconds = run.seconds;
    record.rendezvousMs = Math.max(...report.ranks.map((r) => r.rendezvousMs));
    record.jitMs = Math.max(...report.ranks.map((r) => r.jitMs));
    record.origins = [...new Set(report.ranks.map((r) => r.origin))];
    if (impl === 'ours') record.rendezvousRuns = Math.max(...report.ranks.map((r) => r.rendezvousRuns));
    if (before) {
      const after = libraries(cacheDir[impl]);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new Error(
          `not a warm job: the libraries changed (${JSON.stringify(before)} -> ${JSON.stringify(after)})`,
        );
      }
    }
    if (traceDir) record.ops = summarizeCounts(countTraces(traceDir, shared));
    console.log(
      `${run.seconds.toFixed(1)} s, rendezvous ${record.rendezvousMs.toFixed(1)} ms, jit ${record.jitMs.toFixed(1)} ms` +
        (record.ops ? `, ${record.ops.total} file ops` : ''),
    );
  } catch (error) {
    record.error = error.message.slice(-2000);
    console.log(`failed: ${record.error.split('\n')[0]}`);
  } finally {
    if (traceDir) rmSync(traceDir, { recursive: true, force: true });
  }
  return record;
}

const loadStart = loadavg()[0];
const started = Date.now();
for (const impl of impls) {
  const filled = await job(impl, { hosts: 1, ranksPerHost: 1 }, { fill: true });
  need(
    !filled.error && Object.keys(libraries(cacheDir[impl])).length > 0,
    `${impl}: the cold job did not fill the cache`,
  );
}
const jobs = [];
for (const config of configs) {
  for (const traced of [false, true]) {
    for (const impl of impls) jobs.push(await job(impl, config, { traced }));
  }
}

const firstLine = (command, args) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
};
const machine = {
  date: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  node: process.version,
  mpi: firstLine('mpirun', ['--version']),
  load: [loadStart, loadavg()[0]].map((v) => v.toFixed(1)),
  seconds: Math.round((Date.now() - started) / 1000),
};
const command = `node bench/cluster/run.mjs ${argv.join(' ')}`.trim();
const model = fitModel(jobs, at);
writeFileSync(
  join(results, 'cluster.json'),
  JSON.stringify({ machine, command, at, jobs, model }, null, 2) + '\n',
);
const md = markdown({ machine, command, jobs, model, at });
writeFileSync(join(results, 'cluster.md'), md);
console.log(`\n${md}\nwrote bench/results/cluster.{json,md} in ${machine.seconds} s`);
if (jobs.some((j) => j.error)) process.exitCode = 1;

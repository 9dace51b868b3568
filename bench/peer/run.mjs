// Side by side with the reference Python dijitso: the same generated C++ built and loaded by
// every rank, through our jit() in Node and through python3-dijitso, for several rank counts,
// simulated node disks and strategies, cold (empty caches) and warm. Runs alternate between the
// two implementations; the physical limits (a raw compile, a bare dlopen, process start-up under
// mpirun, an empty collective) are measured in the same run, between them.
// Usage: node bench/peer/run.mjs [--quick]   Writes bench/results/peer.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arithmeticSource } from '../lib/kernel.mjs';
import { lastJson, mpiEnv, mpirunArgs, runTimed } from '../lib/mpi.mjs';
import { summarize } from './summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const python = '/usr/bin/python3';
// K = 2000 lines is about 0.5 s of c++ -O2 on a quiet machine: the compile dominates a cold job.
const lines = quick ? 1000 : 2000;
// Five repetitions: on a shared machine one compile varies by a third from run to run, and a
// median of three still moved a row by 0.2×.
const reps = quick ? 1 : 5;
const rankCounts = quick ? [2, 8] : [1, 2, 4, 8];
const top = Math.max(...rankCounts);
const strategies = ['root', 'node', 'process'];
const work = mkdtempSync(join(tmpdir(), 'dijitso-bench-peer-'));

// Ranks 2k and 2k+1 share disk k: 1 disk and N/2 disks; per-process directories make the disk
// count irrelevant for 'process', so it runs once per rank count. Quick runs keep N/2 disks only.
const configs = [];
for (const ranks of rankCounts) {
  const diskCounts = [...new Set(quick ? [Math.max(1, ranks / 2)] : [1, Math.max(1, ranks / 2)])];
  for (const strategy of strategies) {
    for (const disks of strategy === 'process' ? [diskCounts.at(-1)] : diskCounts) {
      configs.push({ ranks, disks, strategy });
    }
  }
}

const impls = {
  ours: (n, args) => ['mpirun', mpirunArgs(n, process.execPath, [join(here, 'rank.mjs'), ...args])],
  reference: (n, args) => ['mpirun', mpirunArgs(n, python, [join(here, 'rank.py'), ...args])],
};
const latencyImpls = {
  ours: (n, args) => ['mpirun', mpirunArgs(n, process.execPath, [join(here, 'latency.mjs'), ...args])],
  reference: (n, args) => ['mpirun', mpirunArgs(n, python, [join(here, 'latency.py'), ...args])],
};

function source(name, text) {
  const path = join(work, `${name}.cpp`);
  writeFileSync(path, text);
  return path;
}

const runs = [];
const limits = [];
let jobs = 0;
function progress(text) {
  jobs += 1;
  // One status line, rewritten in place on a terminal.
  const line = `bench:peer: ${jobs} jobs, ${text}`.padEnd(78).slice(0, 78);
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

/** One mpirun job of one implementation; records whole-job wall time and the slowest rank's jit(). */
async function job(impl, config, temperature, root, sourcePath, rep) {
  const [command, args] = impls[impl](config.ranks, [
    root,
    String(config.disks),
    config.strategy,
    sourcePath,
  ]);
  progress(`${impl} ${temperature} ${config.strategy} N=${config.ranks} disks=${config.disks}`);
  const result = await runTimed(command, args);
  const report = result.timedOut ? null : lastJson(result.stdout);
  runs.push({
    impl,
    ...config,
    temperature,
    rep,
    job_s: result.seconds,
    timed_out: Boolean(result.timedOut),
    first_ms: report ? Math.max(...report.first_ms) : null,
    compile_s: report?.compile_s || null,
  });
}

async function limit(name, ranks, command, args, parse = () => ({}), env = mpiEnv()) {
  progress(`limit ${name} N=${ranks}`);
  const result = await runTimed(command, args, { env });
  limits.push({ name, ranks, job_s: result.seconds, ...parse(result.stdout) });
}

/**
 * One raw `c++` compile of the source, outside any job: the limit of a cold jit(). 'paired' runs
 * just before the headline cold pair, to compare with it in the same spell of the machine.
 * Returns the library's path.
 */
async function rawCompile(rep, sourcePath, variant) {
  const cwd = join(work, `raw-${rep}${variant ? `-${variant}` : ''}`);
  mkdirSync(cwd, { recursive: true });
  const name = variant ? `raw compile, ${variant}` : 'raw compile';
  progress(`limit ${name}`);
  const flags = ['-shared', '-fPIC', '-O2', '-std=c++17'];
  const raw = await runTimed('c++', [...flags, '-o', join(cwd, 'k.so'), sourcePath], { cwd });
  limits.push({ name, ranks: 1, rep, job_s: raw.seconds });
  return join(cwd, 'k.so');
}

async function limitsRound(rep, bigPath, smallPath) {
  const bigLib = await rawCompile(rep, bigPath);
  // A bare dlopen in a fresh process, timed inside it (the process start-up is not the dlopen).
  await limit(
    'koffi.load',
    1,
    process.execPath,
    [join(here, '..', 'local', 'child.mjs'), 'koffi', bigLib],
    (out) => ({
      call_ms: Number(out),
    }),
  );
  const ctypes =
    'import ctypes,sys,time; t=time.perf_counter(); ctypes.CDLL(sys.argv[1]); print((time.perf_counter()-t)*1000)';
  await limit('ctypes.CDLL', 1, python, ['-c', ctypes, bigLib], (out) => ({ call_ms: Number(out) }));
  for (const ranks of rankCounts) {
    await limit('node -e 0', ranks, 'mpirun', mpirunArgs(ranks, process.execPath, ['-e', '0']));
    // The jobs run without it (lib/env.mjs); what it would cost them, for the report.
    const caCerts = process.env.NODE_EXTRA_CA_CERTS;
    if (ranks === top && caCerts !== undefined) {
      const args = mpirunArgs(ranks, process.execPath, ['-e', '0']);
      const env = { ...mpiEnv(), NODE_EXTRA_CA_CERTS: caCerts };
      await limit('with NODE_EXTRA_CA_CERTS: node -e 0', ranks, 'mpirun', args, undefined, env);
    }
    // MPI_Init is part of both sides' floor: python3 -c "import mpi4py.MPI" initializes it too.
    await limit(
      'node + MPI_Init',
      ranks,
      'mpirun',
      mpirunArgs(ranks, process.execPath, [join(here, 'init-only.mjs')]),
    );
    if (ranks === top) {
      await limit(
        'node + MPI_Init + koffi.load',
        ranks,
        'mpirun',
        mpirunArgs(ranks, process.execPath, [join(here, 'init-only.mjs'), bigLib]),
      );
      // The same plus the least a warm jit() asks of the libraries the design names.
      await limit(
        'node + MPI_Init + koffi.load + named libraries',
        ranks,
        'mpirun',
        mpirunArgs(ranks, process.execPath, [join(here, 'init-only.mjs'), bigLib, '--named-libraries']),
      );
    }
    await limit(
      'python3 -c "import mpi4py.MPI"',
      ranks,
      'mpirun',
      mpirunArgs(ranks, python, ['-c', 'import mpi4py.MPI']),
    );
    if (ranks < 2) continue;
    const disks = String(ranks / 2);
    const floorRoot = join(work, `floor-${rep}-${ranks}`);
    await limit(
      'cold collective floor',
      ranks,
      'mpirun',
      mpirunArgs(ranks, process.execPath, [join(here, 'floor.mjs'), floorRoot, disks, bigPath]),
      (out) => lastJson(out),
    );
    rmSync(floorRoot, { recursive: true, force: true });
    if (ranks === top) {
      // The same, plus what a first call does in a fresh process: find its directory's ranks, load koffi.
      await limit(
        'cold collective floor, first call',
        ranks,
        'mpirun',
        mpirunArgs(ranks, process.execPath, [
          join(here, 'floor.mjs'),
          floorRoot,
          disks,
          bigPath,
          'first-call',
        ]),
        (out) => lastJson(out),
      );
      rmSync(floorRoot, { recursive: true, force: true });
    }
    for (const impl of rep % 2 ? ['reference', 'ours'] : ['ours', 'reference']) {
      const root = join(work, `lat-${impl}-${rep}-${ranks}`);
      const [command, args] = latencyImpls[impl](ranks, [root, disks, '15', smallPath]);
      await limit(`collectives ${impl}`, ranks, command, args, (out) => lastJson(out));
      rmSync(root, { recursive: true, force: true });
    }
  }
}

try {
  const small = source('peer_small', arithmeticSource(10, 0));
  for (let rep = 0; rep < reps; rep++) {
    // A fresh source per repetition, the same for both sides: no compiler or page cache favours one.
    const big = source(`peer_big_${rep + 1}`, arithmeticSource(lines, rep + 1));
    const order = rep % 2 ? ['reference', 'ours'] : ['ours', 'reference'];
    for (const c of configs) {
      const roots = Object.fromEntries(order.map((impl) => [impl, join(work, `${impl}-${rep}`)]));
      if (c.strategy === 'root' && c.ranks === top && c.disks === top / 2)
        await rawCompile(rep, big, 'paired');
      // Cold: empty directories. Warm: the same directories again, in a new job.
      for (const impl of order) await job(impl, c, 'cold', roots[impl], big, rep);
      for (const impl of order) await job(impl, c, 'warm', roots[impl], big, rep);
      for (const impl of order) rmSync(roots[impl], { recursive: true, force: true });
    }
    await limitsRound(rep, big, small);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  process.stderr.write('\n');
}

const out = join(here, '..', 'results', 'peer.json');
mkdirSync(dirname(out), { recursive: true });
const summary = summarize(runs, limits);
writeFileSync(
  out,
  JSON.stringify({ quick, reps, lines, rankCounts, ...summary, runs, limitRuns: limits }, null, 2) + '\n',
);
console.log(`bench:peer: wrote ${out}`);

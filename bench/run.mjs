// Runs every benchmark as a child process (passing --quick through), then writes
// bench/results/latest.{json,md,svg}: the targets, every side-by-side row, the limits and a chart.
// Usage: node bench/run.mjs [--quick] [--only local,bcast,peer,cluster,many,tiers] [--report-only]
// `cluster` (bench/cluster, as root: namespaced hosts on sshfs, strace), `many` (bench/many:
// many libraries at once) and `tiers` (bench/tiers: node disks in front of a shared tier, strace)
// run only when named in --only, and write their own bench/results/{cluster,many,tiers}.{json,md}.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removedFromEnv } from './lib/env.mjs';
import { buildReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, 'results');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? argv[argv.indexOf(onlyArg) + 1]).split(',') : null;
const passQuick = quick ? ['--quick'] : [];

const benchmarks = {
  local: ['node', [join(here, 'local', 'run.mjs'), ...passQuick]],
  bcast: ['bash', [join(here, 'bcast', 'run.sh'), ...passQuick]],
  peer: ['node', [join(here, 'peer', 'run.mjs'), ...passQuick]],
  cluster: ['node', [join(here, 'cluster', 'run.mjs'), ...passQuick]],
  many: ['node', [join(here, 'many', 'run.mjs'), ...passQuick]],
  tiers: ['node', [join(here, 'tiers', 'run.mjs'), ...passQuick]],
};
const optional = new Set(['cluster', 'many', 'tiers']);
const unknown = (only ?? []).filter((name) => !(name in benchmarks));
if (unknown.length) {
  console.error(
    `bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`,
  );
  process.exit(2);
}
const selected = Object.keys(benchmarks).filter((name) => (only ? only.includes(name) : !optional.has(name)));

function run(name, [command, args]) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n== bench ${name}${quick ? ' (quick)' : ''}`);
    const child = spawn(command === 'node' ? process.execPath : command, args, { stdio: 'inherit' });
    child.on('close', (code) => {
      console.log(
        `== bench ${name}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      resolve(code === 0);
    });
    child.on('error', () => resolve(false));
  });
}

function firstLine(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]
      .trim();
  } catch {
    return 'unknown';
  }
}

const loadStart = loadavg()[0];
const started = Date.now();
const failed = [];
if (!argv.includes('--report-only')) {
  for (const name of selected) {
    if (!(await run(name, benchmarks[name]))) failed.push(name);
  }
}
if (selected.every((name) => optional.has(name)) && !argv.includes('--report-only')) {
  // latest.* reports the other benchmarks: a run of the optional ones alone leaves it as it was.
  if (failed.length) process.exitCode = 1;
  process.exit();
}

// The machine the numbers came from, next to them (a shared, noisy machine shows in the load);
// --report-only rebuilds the tables from the last run and keeps that run's machine record.
const previous = join(results, 'latest.json');
const reuse = argv.includes('--report-only') && existsSync(previous);
const machine = reuse
  ? JSON.parse(readFileSync(previous, 'utf8')).machine
  : {
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
      node: process.version,
      mpi: firstLine('mpirun', ['--version']).replace(/^mpirun \(([^)]*)\)/, '$1'),
      compiler: firstLine('c++', ['--version']),
      dijitso: firstLine('/usr/bin/python3', ['-c', 'import dijitso; print(dijitso.__version__)']),
      load: [loadStart, loadavg()[0]].map((v) => v.toFixed(1)),
      seconds: Math.round((Date.now() - started) / 1000),
      removedFromEnv: removedFromEnv(),
    };
const { json, md, svg } = buildReport(results, machine);
const write = (name, text) => {
  writeFileSync(join(results, `${name}.tmp`), text);
  renameSync(join(results, `${name}.tmp`), join(results, name));
};
write('latest.json', JSON.stringify(json, null, 2) + '\n');
write('latest.md', md);
if (svg) write('latest.svg', svg);
console.log(`\n${md}\nwrote bench/results/latest.{json,md${svg ? ',svg' : ''}} in ${machine.seconds} s`);
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}

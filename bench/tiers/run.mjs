// Two tiers: a new job of 8 ranks on 4 fresh node disks with a warm shared tier, against the same
// job with warm node-local caches and with the shared directory as the only cache (every rank
// loading from it). Each job is timed whole (mpirun start to end, interleaved, medians), then run
// once more under strace, which counts the processes that open the shared tier's library.
// The shared directory is on this machine's own disk: the counts carry over to a network file
// system, the times only as a lower bound.
// Usage: node bench/tiers/run.mjs [--quick] [--reps N]. Writes bench/results/tiers.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastJson, mpiEnv, mpirunArgs, runTimed } from '../lib/mpi.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '..', 'results');
const at = process.argv.indexOf('--reps');
const reps = at > 0 ? Number(process.argv[at + 1]) : process.argv.includes('--quick') ? 2 : 5;
const RANKS = 8;
const DISKS = 4;
const LINES = 400;
const work = mkdtempSync(join(tmpdir(), 'dijitso-bench-tiers-'));
const signature = `tiers_${process.pid}`;
const sharedBase = join(work, 'shared'); // the shared tier is sharedBase/disk-0
const sharedTier = join(sharedBase, 'disk-0');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let runs = 0;
// The job of `config`: its directories (fresh node disks for two-tier) and the rank's arguments.
function jobArgs(config) {
  if (config === 'two-tier') return [join(work, `fresh-${runs++}`), String(DISKS), sharedTier];
  if (config === 'node-local') return [join(work, 'local'), String(DISKS), '-'];
  return [sharedBase, '1', '-'];
}

async function job(config, traced) {
  const rank = [join(here, 'rank.mjs'), ...jobArgs(config), signature, String(LINES)];
  const args = mpirunArgs(RANKS, process.execPath, rank);
  if (!traced) {
    const { seconds, stdout } = await runTimed('mpirun', args, { timeoutMs: 300_000 });
    return { seconds, report: lastJson(stdout) };
  }
  const trace = join(work, `trace-${runs++}`);
  const stdout = execFileSync(
    'strace',
    ['-f', '-qq', '-e', 'trace=open,openat', '-o', trace, 'mpirun', ...args],
    { env: mpiEnv(), encoding: 'utf8' },
  );
  const library = `"${join(sharedTier, 'lib')}/`;
  const openers = new Set(
    readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => line.includes(library) && line.includes('.so"') && !line.includes('= -1'))
      .map((line) => line.split(' ')[0]),
  );
  return { report: lastJson(stdout), openers: openers.size };
}

// Fill the shared tier (a build publishes into it) and the node-local caches.
for (const [dirBase, shared] of [
  [join(work, 'warmup'), sharedTier],
  [join(work, 'local'), '-'],
]) {
  const rank = [join(here, 'rank.mjs'), dirBase, String(DISKS), shared, signature, String(LINES)];
  const { stdout } = await runTimed('mpirun', mpirunArgs(RANKS, process.execPath, rank));
  const report = lastJson(stdout);
  if (!report.ok || report.generated !== 1) throw new Error(`warm-up: ${JSON.stringify(report)}`);
  rmSync(join(dirBase, `generated-${signature}`));
}

const configs = ['two-tier', 'node-local', 'shared-only'];
const times = Object.fromEntries(configs.map((c) => [c, []]));
const reports = {};
for (let rep = 0; rep < reps; rep++) {
  for (const config of configs) {
    process.stdout.write(`bench:tiers: ${config} (rep ${rep + 1})\n`);
    const { seconds, report } = await job(config, false);
    if (!report.ok || report.generated !== 0) throw new Error(`${config}: ${JSON.stringify(report)}`);
    times[config].push(seconds);
    reports[config] = report;
  }
}
const opened = {};
for (const config of configs) opened[config] = (await job(config, true)).openers;
rmSync(work, { recursive: true, force: true });

const rows = configs.map((config) => ({
  config,
  job_s: median(times[config]),
  ratio: median(times[config]) / median(times['node-local']),
  opened_shared_so: opened[config],
  compiles: reports[config].generated,
  origins: reports[config].origins,
}));
const when = new Date().toISOString();
const label = {
  'two-tier': 'fresh node disks, warm shared tier (two tiers)',
  'node-local': 'warm node-local caches, no shared tier',
  'shared-only': 'the shared directory as the only cache',
};
const fmt = (s) => `${(s * 1000).toFixed(0)} ms`;
const md = [
  `# Two tiers (${when}, ${RANKS} ranks on ${DISKS} node disks, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)})`,
  '',
  `Whole mpirun job, one collective jit() (root) of a library already built; medians of ${reps} interleaved runs.`,
  "Processes that opened the shared tier's .so: counted with strace -f on a run of its own.",
  '',
  '| job | job time | / warm node-local | processes that opened the shared .so | compiles | origins |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...rows.map(
    (r) =>
      `| ${label[r.config]} | ${fmt(r.job_s)} | ${r.ratio.toFixed(2)}× | ${r.opened_shared_so} | ${r.compiles} | ${Object.entries(
        r.origins,
      )
        .map(([o, n]) => `${n} ${o}`)
        .join(', ')} |`,
  ),
  '',
];
writeFileSync(join(results, 'tiers.json'), JSON.stringify({ when, reps, rows }, null, 2) + '\n');
writeFileSync(join(results, 'tiers.md'), md.join('\n'));
process.stdout.write(md.join('\n'));

// Many libraries at once: M signatures jitted collectively by 8 ranks on 4 simulated node disks,
// all at once (Promise.all) against one by one, and the reference python3-dijitso one by one, in
// the same run, each on fresh caches (cold) after a first call of another signature; then M = 32
// warm. The physical limit of a cold run is M × (one raw compile) / cores (root) or
// M × groups × (one raw compile) / cores (node: every group compiles its own).
// Usage: node bench/many/run.mjs [--quick]. Writes bench/results/many.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arithmeticSource } from '../lib/kernel.mjs';
import { lastJson, mpirunArgs, runTimed } from '../lib/mpi.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '..', 'results');
const quick = process.argv.includes('--quick');
const RANKS = 8;
const DISKS = 4;
const LINES = 1600; // about 0.4 s of c++ -O2 here (bench/lib/kernel.mjs)
const reps = quick ? 1 : 2;
const work = mkdtempSync(join(tmpdir(), 'dijitso-bench-many-'));
let salt = Math.floor(Date.now() / 1000) % 100_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function rawCompile() {
  const dir = mkdtempSync(join(work, 'raw-'));
  writeFileSync(join(dir, 'k.cpp'), arithmeticSource(LINES, 99_999));
  const started = process.hrtime.bigint();
  execFileSync('c++', ['-shared', '-fPIC', '-O2', '-std=c++17', '-o', join(dir, 'k.so'), join(dir, 'k.cpp')]);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function ours(strategy, count, mode, cacheRoot, runSalt) {
  const args = [
    join(here, 'rank.mjs'),
    cacheRoot,
    String(DISKS),
    strategy,
    String(count),
    String(LINES),
    mode,
    String(runSalt),
  ];
  const { stdout } = await runTimed('mpirun', mpirunArgs(RANKS, process.execPath, args), {
    timeoutMs: 600_000,
  });
  const report = lastJson(stdout);
  if (!report.ok) throw new Error(`ours ${mode}: a rank's library was wrong`);
  return report;
}

async function reference(strategy, count, cacheRoot, runSalt) {
  const src = join(cacheRoot, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'first.cpp'), arithmeticSource(1, runSalt));
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(src, `many_${String(i).padStart(3, '0')}.cpp`),
      arithmeticSource(LINES, runSalt * 1000 + i),
    );
  }
  const args = [join(here, 'rank.py'), cacheRoot, String(DISKS), strategy, src];
  const { stdout } = await runTimed('mpirun', mpirunArgs(RANKS, '/usr/bin/python3', args), {
    timeoutMs: 600_000,
  });
  return lastJson(stdout);
}

const rows = [];
const cores = availableParallelism();
for (const count of quick ? [8] : [8, 16]) {
  for (const strategy of ['root', 'node']) {
    const times = { together: [], 'one-by-one': [], reference: [], raw: [] };
    for (let rep = 0; rep < reps; rep++) {
      times.raw.push(rawCompile());
      for (const impl of ['together', 'one-by-one', 'reference']) {
        const cacheRoot = join(work, `${impl}-${strategy}-${count}-${rep}`);
        salt += 1;
        process.stdout.write(`bench:many: ${impl} cold ${strategy} M=${count} (rep ${rep + 1})\n`);
        const report =
          impl === 'reference'
            ? await reference(strategy, count, cacheRoot, salt)
            : await ours(strategy, count, impl, cacheRoot, salt);
        const builds = count * (strategy === 'node' ? DISKS : 1);
        if (impl !== 'reference' && report.generated !== builds) {
          throw new Error(`ours ${impl}: ${report.generated} generate calls, expected ${builds}`);
        }
        times[impl].push(report.seconds);
        rmSync(cacheRoot, { recursive: true, force: true });
      }
    }
    const raw = median(times.raw);
    const limit = ((strategy === 'node' ? DISKS : 1) * count * raw) / cores;
    rows.push({
      name: `cold, ${strategy}, M=${count}`,
      together_s: median(times.together),
      one_by_one_s: median(times['one-by-one']),
      reference_s: median(times.reference),
      limit_s: limit,
      raw_compile_s: raw,
      ratio: median(times.together) / median(times['one-by-one']),
    });
  }
}
{
  const count = 32;
  const times = { together: [], 'one-by-one': [] };
  const cacheRoot = join(work, 'warm');
  salt += 1;
  await ours('root', count, 'together', cacheRoot, salt); // fills the caches
  for (let rep = 0; rep < reps + 1; rep++) {
    for (const impl of ['together', 'one-by-one']) {
      process.stdout.write(`bench:many: ${impl} warm root M=${count} (rep ${rep + 1})\n`);
      times[impl].push((await ours('root', count, impl, cacheRoot, salt)).seconds);
    }
  }
  rows.push({
    name: `warm, root, M=${count}`,
    together_s: median(times.together),
    one_by_one_s: median(times['one-by-one']),
    reference_s: null,
    limit_s: null,
    raw_compile_s: null,
    ratio: median(times.together) / median(times['one-by-one']),
  });
}
rmSync(work, { recursive: true, force: true });

const when = new Date().toISOString();
const fmt = (s) => (s == null ? '–' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const md = [
  `# Many libraries at once (${when}, ${RANKS} ranks on ${DISKS} disks, ${cores} cores, load ${loadavg()[0].toFixed(1)})`,
  '',
  'Medians of ' +
    reps +
    ' runs (warm: ' +
    (reps + 1) +
    '), each cold run on fresh caches, timed after a first call of another signature. Targets: cold at once ≤ 0.70× one by one; warm at once ≤ 0.40× one by one.',
  '',
  '| calls | at once | one by one | at once / one by one | reference one by one | physical limit | one raw compile |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.together_s)} | ${fmt(r.one_by_one_s)} | ${r.ratio.toFixed(2)}× | ${fmt(r.reference_s)} | ${fmt(r.limit_s)} | ${fmt(r.raw_compile_s)} |`,
  ),
  '',
].join('\n');
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, 'many.json'),
  JSON.stringify({ when, ranks: RANKS, disks: DISKS, cores, rows }, null, 2) + '\n',
);
writeFileSync(join(results, 'many.md'), md);
console.log(md);

// Turns the benchmark's JSON lines into a table of ratios against mpi4py and a JSON file.
// Usage: node report.mjs <raw lines> <mode> <output.json>
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const [rawPath, mode, outPath] = process.argv.slice(2);
const rows = readFileSync(rawPath, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line));

const reference = 'mpi4py Bcast';
// The best (shortest) time of each case over the rounds.
const find = (impl, np, size) =>
  rows
    .filter((row) => row.impl === impl && row.np === np && row.size === size)
    .reduce((best, row) => (best === undefined || row.seconds < best.seconds ? row : best), undefined);
const human = (bytes) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`);
const impls = [...new Set(rows.map((row) => row.impl))].filter((impl) => impl !== reference);

const results = [];
for (const np of [...new Set(rows.map((row) => row.np))]) {
  for (const size of [...new Set(rows.map((row) => row.size))]) {
    const base = find(reference, np, size);
    if (!base) continue;
    const entry = { np, size, mpi4py: { seconds: base.seconds, gbPerSecond: size / base.seconds / 1e9 } };
    for (const impl of impls) {
      const row = find(impl, np, size);
      if (row) entry[impl] = { seconds: row.seconds, bandwidthRatio: base.seconds / row.seconds };
    }
    results.push(entry);
  }
}

const header = ['ranks', 'size', 'mpi4py', ...impls.map((impl) => impl.replace('mpi-napi ', ''))];
console.log(`\nbcast: mpi-napi bandwidth / mpi4py Bcast bandwidth (1.00 = equal; ${mode} run)`);
console.log(header.map((cell) => cell.padStart(12)).join(''));
for (const entry of results) {
  const base =
    entry.size <= 16384
      ? `${(entry.mpi4py.seconds * 1e6).toFixed(1)} us`
      : `${entry.mpi4py.gbPerSecond.toFixed(2)} GB/s`;
  const cells = impls.map((impl) => (entry[impl] ? entry[impl].bandwidthRatio.toFixed(2) : '-'));
  console.log(
    [String(entry.np), human(entry.size), base, ...cells].map((cell) => cell.padStart(12)).join(''),
  );
}
console.log('(for 1 KiB the latency ratio mpi-napi / mpi4py is 1 / the number shown)');

const staged = `${outPath}.tmp`;
writeFileSync(staged, JSON.stringify({ benchmark: 'bcast', mode, reference, results }, null, 2) + '\n');
renameSync(staged, outPath);
console.log(`wrote ${outPath}`);

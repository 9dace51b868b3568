// Turns bench/mpi's JSON lines into medians, ratios against mpi4py and bench/results/mpi.json.
// Usage: node report.mjs <raw lines> <output.json>
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const [rawPath, outPath] = process.argv.slice(2);
const rows = readFileSync(rawPath, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line));

const reference = 'mpi4py';
// Latency: ours at most twice mpi4py's; bandwidth: at least 0.9 of it.
const LATENCY_TARGET = 2;
const BANDWIDTH_TARGET = 0.9;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// Every repeat of every round of one case, pooled.
function timesOf(kind, impl, size) {
  return rows
    .filter((row) => row.kind === kind && row.impl === impl && row.size === size)
    .flatMap((row) => row.times);
}

const human = (bytes) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes} B`);
const results = [];
for (const kind of ['pingpong', 'allreduce']) {
  const sizes = [...new Set(rows.filter((row) => row.kind === kind).map((row) => row.size))];
  for (const size of sizes) {
    const base = timesOf(kind, reference, size);
    if (base.length === 0) continue;
    const baseSeconds = median(base);
    const impls = [
      ...new Set(rows.filter((row) => row.kind === kind && row.impl !== reference).map((row) => row.impl)),
    ];
    for (const impl of impls) {
      const seconds = median(timesOf(kind, impl, size));
      results.push({
        kind,
        size,
        impl,
        seconds,
        mpi4pySeconds: baseSeconds,
        timeRatio: seconds / baseSeconds,
      });
    }
  }
}

console.log('\nbench/mpi: medians, 2 ranks; ratios are mpi-napi / mpi4py in the same run');
for (const entry of results) {
  const label = `${entry.kind === 'pingpong' ? 'ping-pong' : 'allreduce'} ${human(entry.size)}`.padEnd(22);
  const impl = entry.impl.replace('mpi-napi ', '').padEnd(24);
  if (entry.kind === 'pingpong' && entry.size <= 1024) {
    const verdict = entry.timeRatio <= LATENCY_TARGET ? 'meets' : 'misses';
    console.log(
      `${label}${impl}latency ${(entry.seconds * 1e6).toFixed(2)} us vs ${(entry.mpi4pySeconds * 1e6).toFixed(2)} us: ` +
        `${entry.timeRatio.toFixed(2)}x (${verdict} <= ${LATENCY_TARGET}x)`,
    );
  } else if (entry.kind === 'pingpong') {
    const ratio = 1 / entry.timeRatio;
    const verdict = ratio >= BANDWIDTH_TARGET ? 'meets' : 'misses';
    const gbps = (seconds) => (entry.size / seconds / 1e9).toFixed(2);
    console.log(
      `${label}${impl}bandwidth ${gbps(entry.seconds)} GB/s vs ${gbps(entry.mpi4pySeconds)} GB/s: ` +
        `${ratio.toFixed(2)}x (${verdict} >= ${BANDWIDTH_TARGET}x)`,
    );
  } else {
    console.log(
      `${label}${impl}${(entry.seconds * 1e3).toFixed(2)} ms vs ${(entry.mpi4pySeconds * 1e3).toFixed(2)} ms: ` +
        `time ${entry.timeRatio.toFixed(2)}x`,
    );
  }
}

const staged = `${outPath}.tmp`;
writeFileSync(staged, JSON.stringify({ benchmark: 'mpi', reference, results }, null, 2) + '\n');
renameSync(staged, outPath);
console.log(`wrote ${outPath}`);

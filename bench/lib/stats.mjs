// Small helpers shared by the benchmarks: medians, timing child processes, table printing.
import { execFile } from 'node:child_process';
import { benchEnv } from './env.mjs';

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Run a command, resolve with its wall time in seconds and stdout. */
export function timed(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(command, args, { maxBuffer: 64 << 20, env: benchEnv(), ...options }, (error, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr}`, { cause: error }));
      else resolve({ seconds, stdout });
    });
  });
}

/** Print rows as an aligned text table. */
export function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Seconds for a table cell: µs, ms or s, whichever reads best; '–' when missing. */
export const sec = (v) =>
  v === null || v === undefined
    ? '–'
    : v < 0.001
      ? `${(v * 1e6).toFixed(1)} µs`
      : v < 0.01
        ? `${(v * 1000).toFixed(2)} ms`
        : v < 1
          ? `${(v * 1000).toFixed(0)} ms`
          : `${v.toFixed(2)} s`;

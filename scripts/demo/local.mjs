// Single-process demo: generate a C++ kernel, jit it, call it, and show a second process
// (and a second call) hitting the cache instead of compiling.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jit } from 'dijitso';

const TERMS = 8;

/** A polynomial evaluated over an array, unrolled: the kind of code a form compiler generates. */
function generateKernel() {
  const coefficients = Array.from({ length: TERMS }, (_, i) => (i + 1) / (i + 2));
  const horner = coefficients.reduceRight((acc, c) => (acc ? `(${acc}) * x + ${c}` : `${c}`), '');
  return {
    source: `#include <cstddef>
extern "C" double poly_sum(const double* values, int n) {
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = values[i];
    total += ${horner};
  }
  return total;
}
`,
  };
}

async function run(cacheDir) {
  const started = performance.now();
  const { lib, origin, key } = await jit({
    signature: `demo_poly_${TERMS}`,
    generate: generateKernel,
    params: { cache: { dir: cacheDir } },
  });
  const jitMs = performance.now() - started;
  const polySum = lib.func('double poly_sum(const double* values, int n)');
  const values = Float64Array.from({ length: 1_000_000 }, (_, i) => (i % 1000) / 1000);
  const callStarted = performance.now();
  const total = polySum(values, values.length);
  const callMs = performance.now() - callStarted;
  return { origin, key, jitMs, callMs, total };
}

function show(label, r) {
  console.log(
    `${label.padEnd(26)} origin=${r.origin.padEnd(6)} jit ${r.jitMs.toFixed(2).padStart(8)} ms   ` +
      `kernel over 1e6 values ${r.callMs.toFixed(2).padStart(6)} ms   result ${r.total.toFixed(6)}`,
  );
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await run(process.argv[3])));
} else {
  const cacheDir = mkdtempSync(join(tmpdir(), 'dijitso-demo-'));
  try {
    console.log(`dijitso demo: cache in ${cacheDir}\n`);
    const first = await run(cacheDir);
    show('1. first call', first);
    show('2. same process again', await run(cacheDir));
    const child = JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', cacheDir], {
        encoding: 'utf8',
      }),
    );
    show('3. a new process', child);
    console.log(
      `\nkey ${first.key}: compiled once (${first.jitMs.toFixed(0)} ms), then loaded from memory and disk.`,
    );
    if (first.origin !== 'built' || child.origin !== 'disk') throw new Error('unexpected origins');
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

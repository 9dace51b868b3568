// MPI demo, run under mpirun: every rank jits the same kernel collectively with the root strategy;
// ranks 2k and 2k+1 share the cache directory <root>/node-k (two simulated node disks with 4 ranks).
// Rank 0 prints, per rank, its role, where the library came from and how long jit() took, then the
// job's totals. Usage: mpirun -np 4 node scripts/demo/mpi.mjs CACHE_ROOT LABEL
import { hostname } from 'node:os';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const [cacheRoot, label] = process.argv.slice(2);
const comm = world();
const dir = join(cacheRoot, `node-${comm.rank >> 1}`);

const started = performance.now();
const result = await jit({
  signature: 'demo_mpi_kernel_v1',
  generate: () => ({
    source: `extern "C" double axpy_sum(double a, const double* x, const double* y, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += a * x[i] + y[i];
  return s;
}
`,
  }),
  params: { cache: { dir } },
  comm,
  strategy: 'root',
});
const ms = performance.now() - started;
const axpySum = result.lib.func('double axpy_sum(double a, const double* x, const double* y, int n)');
const x = Float64Array.from({ length: 1000 }, (_, i) => i);
const value = axpySum(2, x, x, x.length);

const mine = {
  rank: comm.rank,
  host: hostname(),
  dir,
  role: result.role,
  origin: result.origin,
  ms,
  value,
  receivedBytes: result.receivedBytes ?? 0,
};
const rows = (await comm.allgather(Buffer.from(JSON.stringify(mine)))).map((b) => JSON.parse(b.toString()));
if (comm.rank === 0) {
  console.log(`\n${label}: ${comm.size} ranks, root strategy, cache dirs ${cacheRoot}/node-{0,1}`);
  console.log('rank  host          dir     role      origin    jit ms   axpy_sum');
  for (const r of rows) {
    console.log(
      `${String(r.rank).padEnd(4)}  ${r.host.slice(0, 12).padEnd(12)}  ${r.dir.split('/').pop().padEnd(6)}  ` +
        `${String(r.role ?? '-').padEnd(8)}  ${r.origin.padEnd(8)}  ${r.ms.toFixed(1).padStart(7)}  ${r.value}`,
    );
  }
  const shipped = rows.filter((r) => r.role === 'receiver').reduce((sum, r) => sum + r.receivedBytes, 0);
  console.log(
    `totals: ${result.builds ?? 0} compile(s) in the job, ${shipped} bytes shipped, max jit ${Math.max(...rows.map((r) => r.ms)).toFixed(1)} ms`,
  );
}

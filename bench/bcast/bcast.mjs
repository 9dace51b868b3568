// mpi-napi side of the bcast benchmark: the async bcast returning a new Buffer (what a
// program writes), the same receiving into a reused Buffer, and bcastSync.
// Usage: node bcast.mjs <sizes.json> <full|quick>. Prints one JSON line per case from rank 0.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { world } from 'mpi-napi';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'))[process.argv[3]];
const comm = world();

const warmupIterations = (size) => Math.min(2000, Math.max(3, Math.floor((64 << 20) / size)));

const cases = {
  'mpi-napi bcast': (data) => comm.bcast(data, 0),
  'mpi-napi bcast into': (data, into) => comm.bcast(data, 0, { into }),
  'mpi-napi bcastSync': (data) => comm.bcastSync(data, 0),
};

for (const size of plan.sizes) {
  const iterations = Math.max(3, Math.min(plan.maxIterations, Math.floor(plan.bytesPerSize / size)));
  const data = comm.rank === 0 ? Buffer.alloc(size, 7) : null;
  const into = Buffer.alloc(size);
  for (const [impl, run] of Object.entries(cases)) {
    // Warm up the JIT and the receive pool before timing (the same count on every rank).
    for (let i = 0; i < warmupIterations(size); i += 1) await run(data, into);
    let best = Infinity;
    for (let repeat = 0; repeat < plan.repeats; repeat += 1) {
      await comm.barrier();
      const started = performance.now();
      for (let i = 0; i < iterations; i += 1) await run(data, into);
      const perCall = (performance.now() - started) / 1000 / iterations;
      best = Math.min(best, await comm.allreduce(perCall, 'max'));
    }
    if (comm.rank === 0) console.log(JSON.stringify({ impl, np: comm.size, size, seconds: best }));
  }
}

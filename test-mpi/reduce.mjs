// allreduce on numbers: sum, max and min, async and sync.
import assert from 'node:assert/strict';
import { world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();
const n = comm.size;

await check('allreduce sum, max and min agree on every rank', async () => {
  assert.equal(await comm.allreduce(comm.rank + 1, 'sum'), (n * (n + 1)) / 2);
  assert.equal(await comm.allreduce(comm.rank * 10, 'max'), (n - 1) * 10);
  assert.equal(await comm.allreduce(comm.rank - 5, 'min'), -5);
});

await check('allreduce works on non-integers', async () => {
  assert.equal(await comm.allreduce(0.5, 'sum'), 0.5 * n);
});

await check('allreduceSync matches', async () => {
  assert.equal(comm.allreduceSync(1, 'sum'), n);
  assert.equal(comm.allreduceSync(comm.rank, 'max'), n - 1);
});

await check('queued allreduces keep their order', async () => {
  const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => comm.allreduce(i, 'sum')));
  sums.forEach((sum, i) => assert.equal(sum, i * n));
});

finish('reduce');

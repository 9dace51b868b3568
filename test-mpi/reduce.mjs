// reduce and allreduce on numbers and typed arrays, after the reduce cases of mpi4py's
// test_cco_buf.py: every root, every op, every element type, async and sync.
import assert from 'node:assert/strict';
import { world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();
const n = comm.size;
const ranks = Array.from({ length: n }, (_, rank) => rank);
const ARRAY_TYPES = [Float64Array, Float32Array, Int32Array, Uint32Array, BigInt64Array];
const INTEGER_TYPES = [Int32Array, Uint32Array, BigInt64Array];

// Element i of rank r's array; small values, so sums and products are exact in every type.
function element(Type, rank, i) {
  const value = ((rank + i) % 5) + 1;
  return Type === BigInt64Array ? BigInt(value) : value;
}

function arrayOf(Type, rank, length) {
  return Type.from({ length }, (_, i) => element(Type, rank, i));
}

// What op gives for element i over all ranks, computed here with plain numbers.
function expected(Type, op, i) {
  const values = ranks.map((rank) => Number(element(Type, rank, i)));
  const result = {
    sum: () => values.reduce((a, b) => a + b),
    prod: () => values.reduce((a, b) => a * b),
    min: () => Math.min(...values),
    max: () => Math.max(...values),
    band: () => values.reduce((a, b) => a & b),
    bor: () => values.reduce((a, b) => a | b),
    bxor: () => values.reduce((a, b) => a ^ b),
    // Combining pairs, as MPI does: a single rank's value comes back unchanged.
    land: () => values.reduce((a, b) => (a !== 0 && b !== 0 ? 1 : 0)),
    lor: () => values.reduce((a, b) => (a !== 0 || b !== 0 ? 1 : 0)),
  }[op]();
  return Type === BigInt64Array ? BigInt(result) : result;
}

function assertReduced(result, Type, op, length) {
  assert.ok(result instanceof Type, `${Type.name} ${op}: got ${result?.constructor?.name}`);
  assert.equal(result.length, length);
  for (let i = 0; i < length; i += 1)
    assert.equal(result[i], expected(Type, op, i), `${Type.name} ${op} [${i}]`);
}

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

await check('reduce of a number arrives on the root only, for every root', async () => {
  for (const root of ranks) {
    const result = await comm.reduce(comm.rank + 1, 'sum', root);
    assert.equal(result, comm.rank === root ? (n * (n + 1)) / 2 : null);
    assert.equal(comm.reduceSync(comm.rank + 2, 'prod', root), comm.rank === root ? expectedProduct() : null);
  }
});

await check('reduce of a number to root 1 (or the last rank), async and sync', async () => {
  const root = Math.min(1, n - 1);
  const sum = await comm.reduce(comm.rank * 0.5, 'sum', root);
  assert.equal(sum, comm.rank === root ? (0.5 * n * (n - 1)) / 2 : null);
  const max = comm.reduceSync(comm.rank - 10, 'max', root);
  assert.equal(max, comm.rank === root ? n - 11 : null);
});

function expectedProduct() {
  return ranks.reduce((product, rank) => product * (rank + 2), 1);
}

await check('reduce of every typed array with every op, to every root', async () => {
  for (const Type of ARRAY_TYPES) {
    const ops = INTEGER_TYPES.includes(Type)
      ? ['sum', 'prod', 'min', 'max', 'band', 'bor', 'bxor', 'land', 'lor']
      : ['sum', 'prod', 'min', 'max'];
    for (const op of ops) {
      for (const root of ranks) {
        const mine = arrayOf(Type, comm.rank, 7);
        const result = await comm.reduce(mine, op, root);
        if (comm.rank === root) assertReduced(result, Type, op, 7);
        else assert.equal(result, null);
        assert.deepEqual(mine, arrayOf(Type, comm.rank, 7), 'the input is left alone');
      }
    }
  }
});

await check('allreduce of every typed array, async and sync', async () => {
  for (const Type of ARRAY_TYPES) {
    for (const op of ['sum', 'max']) {
      assertReduced(await comm.allreduce(arrayOf(Type, comm.rank, 10), op), Type, op, 10);
      assertReduced(comm.allreduceSync(arrayOf(Type, comm.rank, 3), op), Type, op, 3);
    }
  }
});

await check('allreduce of an empty array and of a view into a larger buffer', async () => {
  assert.deepEqual(await comm.allreduce(new Float64Array(0), 'sum'), new Float64Array(0));
  const backing = new Int32Array([100, comm.rank, comm.rank * 2, 100]);
  const result = await comm.allreduce(backing.subarray(1, 3), 'sum');
  const rankSum = (n * (n - 1)) / 2;
  assert.deepEqual(result, new Int32Array([rankSum, 2 * rankSum]));
});

await check('a 1 Mi-element Float64Array reduces to root 2 (or the last rank)', async () => {
  const root = Math.min(2, n - 1);
  const mine = Float64Array.from({ length: 1 << 20 }, (_, i) => i + comm.rank);
  const result = await comm.reduce(mine, 'sum', root);
  if (comm.rank !== root) return assert.equal(result, null);
  for (const i of [0, 1, 12345, (1 << 20) - 1]) assert.equal(result[i], n * i + (n * (n - 1)) / 2);
});

finish('reduce');

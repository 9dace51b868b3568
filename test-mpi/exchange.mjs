// scatter and alltoall of messages of any length, after the Scatter and Alltoall cases of mpi4py's
// test_cco_buf.py (every root, a length per root or per pair), plus the one-collective path of
// small scatters, empty messages, sync and async calls mixed, and call order.
import assert from 'node:assert/strict';
import { world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

const comm = world();
const { rank, size } = comm;
const ranks = Array.from({ length: size }, (_, r) => r);

// What root sends rank `to` in round `round`: lengths differ by root and receiver, 0 included.
const scatterPart = (round, root, to) =>
  pattern(((root + 1) * to * 700 + round) % 9000, round * 100 + root * 10 + to);

await check('scatter from every root gives each rank its own message', async () => {
  for (const root of ranks) {
    const parts = rank === root ? ranks.map((to) => scatterPart(1, root, to)) : null;
    const got = await comm.scatter(parts, root);
    assert.ok(got.equals(scatterPart(1, root, rank)), `root ${root}`);
    if (rank === root) assert.equal(got, parts[root], 'the root gets its own Buffer back');
  }
});

await check('scatter of equal lengths per rank, as in a buffer scatter of size * count items', async () => {
  for (const root of ranks) {
    for (const count of [1, 5, 9]) {
      const parts = rank === root ? ranks.map(() => Buffer.alloc(count * 8, root + 1)) : null;
      const got = await comm.scatter(parts, root);
      assert.deepEqual(got, Buffer.alloc(count * 8, root + 1));
    }
  }
});

// Up to 48 bytes per rank the messages travel with their lengths (one collective); one longer
// message sends every rank through the second step.
await check('scatter of messages of 48 bytes or less, and with one of 49', async () => {
  const root = size - 1;
  for (const longest of [48, 49]) {
    const lengthFor = (to) => (to === 0 ? longest : to % 3 === 0 ? 0 : 48 - to);
    const parts = rank === root ? ranks.map((to) => pattern(lengthFor(to), to + longest)) : null;
    const got = await comm.scatter(parts, root);
    assert.ok(got.equals(pattern(lengthFor(rank), rank + longest)), `longest ${longest}`);
  }
});

await check('scatter of 1 MiB messages from root 1 (or the last rank)', async () => {
  const root = Math.min(1, size - 1);
  const parts = rank === root ? ranks.map((to) => pattern(1 << 20, to + 40)) : null;
  const got = await comm.scatter(parts, root);
  assert.equal(got.length, 1 << 20);
  assert.ok(got.equals(pattern(1 << 20, rank + 40)));
});

await check(
  'scatterSync and scatter interoperate across ranks; non-roots may pass the same array',
  async () => {
    const all = ranks.map((to) => pattern(2000 + to, to + 50));
    const got = rank % 2 === 0 ? comm.scatterSync(all, 0) : await comm.scatter(all, 0);
    assert.ok(got.equals(all[rank]));
  },
);

// The length of what rank `from` sends rank `to`: every pair differs, some are empty.
const pairLength = (from, to) => ((from * size + to) * 3701) % 70_000;
const pairPart = (from, to) => pattern(pairLength(from, to), from * size + to);

await check('alltoall with a different length for every pair', async () => {
  const got = await comm.alltoall(ranks.map((to) => pairPart(rank, to)));
  assert.equal(got.length, size);
  got.forEach((buf, from) => assert.ok(buf.equals(pairPart(from, rank)), `from ${from}`));
});

await check('alltoall of equal lengths for every value of n, as in a buffer alltoall', async () => {
  for (const n of ranks) {
    const got = await comm.alltoall(ranks.map(() => Buffer.alloc(n * 4, n + 1)));
    got.forEach((buf) => assert.deepEqual(buf, Buffer.alloc(n * 4, n + 1)));
  }
});

await check('alltoall returns views of one received block, its own message copied', async () => {
  const mine = ranks.map((to) => pattern(100 + to, rank));
  const got = await comm.alltoall(mine);
  assert.notEqual(got[rank], mine[rank]);
  assert.ok(got[rank].equals(mine[rank]));
  assert.ok(got.every((buf) => buf.buffer === got[0].buffer));
});

await check('alltoall of empty messages gives empty Buffers', async () => {
  const got = await comm.alltoall(ranks.map(() => Buffer.alloc(0)));
  assert.deepEqual(
    got.map((buf) => buf.length),
    new Array(size).fill(0),
  );
});

await check('alltoallSync and alltoall interoperate across ranks', async () => {
  const parts = ranks.map((to) => pattern(3000 + to, rank));
  const got = rank % 2 === 1 ? comm.alltoallSync(parts) : await comm.alltoall(parts);
  got.forEach((buf, from) => assert.ok(buf.equals(pattern(3000 + rank, from))));
});

await check('8 MiB per pair of alltoall arrives intact', async () => {
  const length = 8 << 20;
  const got = await comm.alltoall(ranks.map((to) => pattern(length, rank * size + to)));
  got.forEach((buf, from) => assert.ok(buf.equals(pattern(length, from * size + rank)), `from ${from}`));
});

await check('scatters and alltoalls started without awaiting complete in call order', async () => {
  const calls = Array.from({ length: 12 }, (_, i) =>
    i % 2 === 0
      ? comm.scatter(
          rank === i % size ? ranks.map((to) => Buffer.from(`call ${i} to ${to}`)) : null,
          i % size,
        )
      : comm.alltoall(ranks.map((to) => Buffer.from(`call ${i} ${rank}>${to}`))),
  );
  const results = await Promise.all(calls);
  results.forEach((result, i) => {
    if (i % 2 === 0) assert.equal(result.toString(), `call ${i} to ${rank}`);
    else
      assert.deepEqual(
        result.map(String),
        ranks.map((from) => `call ${i} ${from}>${rank}`),
      );
  });
});

await check('scatter and alltoall check their arguments before MPI is called', async () => {
  assert.throws(
    () =>
      comm.scatter(
        ranks.map(() => Buffer.alloc(1)),
        size,
      ),
    {
      name: 'RangeError',
      message: `Expected an integer in [0, ${size - 1}] for root but received ${size}`,
    },
  );
  if (rank === 0) {
    assert.throws(() => comm.scatter(null, 0), {
      name: 'TypeError',
      message: `Expected an array of ${size} Buffers (one per rank) for bufs on the root but received null`,
    });
  }
  assert.throws(() => comm.alltoall([...ranks.map(() => Buffer.alloc(1)), Buffer.alloc(1)]), {
    name: 'RangeError',
    message: `Expected an array of ${size} Buffers (one per rank) for bufs but received an array of ${size + 1}`,
  });
  assert.throws(() => comm.alltoallSync(ranks.map((to) => (to === size - 1 ? 'text' : Buffer.alloc(1)))), {
    name: 'TypeError',
    message: `Expected a Buffer for bufs[${size - 1}] but received the string "text"`,
  });
});

finish('exchange');

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeWorld } from '../src/index.js';

test('the fake world runs bcast, allgather and split like MPI', async () => {
  const world = createFakeWorld(4);
  const got = await Promise.all(world.map((c) => c.bcast(c.rank === 2 ? Buffer.from('hi') : null, 2)));
  assert.deepEqual(got.map(String), ['hi', 'hi', 'hi', 'hi']);
  const all = await Promise.all(world.map((c) => c.allgather(Buffer.alloc(c.rank, c.rank))));
  assert.deepEqual(
    all[3]!.map((b) => b.length),
    [0, 1, 2, 3],
  );
  const halves = await Promise.all(world.map((c) => c.split(c.rank % 2 === 0 ? 0 : null, -c.rank)));
  assert.equal(halves[1], null);
  assert.equal(halves[0]!.size, 2);
  assert.equal(halves[0]!.rank, 1);
  assert.equal(halves[2]!.rank, 0);
  await Promise.all(world.map((c) => c.barrier()));
});

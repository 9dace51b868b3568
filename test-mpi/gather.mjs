// allgather and gather of messages whose lengths differ by rank (including empty ones).
import assert from 'node:assert/strict';
import { world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

const comm = world();
const mine = pattern(comm.rank * 1000 + (comm.rank % 2 === 0 ? 1 : 0), comm.rank);
const expected = (rank) => pattern(rank * 1000 + (rank % 2 === 0 ? 1 : 0), rank);

await check('allgather of different lengths returns every message in rank order', async () => {
  const all = await comm.allgather(mine);
  assert.equal(all.length, comm.size);
  all.forEach((buf, rank) => assert.ok(buf.equals(expected(rank)), `rank ${rank}`));
});

await check('allgatherSync matches allgather', async () => {
  const all = comm.allgatherSync(mine);
  all.forEach((buf, rank) => assert.ok(buf.equals(expected(rank))));
});

await check('allgather of empty messages gives empty Buffers', async () => {
  const all = await comm.allgather(Buffer.alloc(0));
  assert.deepEqual(
    all.map((buf) => buf.length),
    new Array(comm.size).fill(0),
  );
});

// The first round carries each length with up to 56 bytes of the message itself; the second round
// runs only when a message is longer.
await check('allgather of messages of 56 bytes or less (one round) keeps every byte', async () => {
  const small = (rank) => pattern(56 - (rank % 57), rank + 7);
  const all = await comm.allgather(small(comm.rank));
  all.forEach((buf, rank) => assert.ok(buf.equals(small(rank)), `rank ${rank}`));
});

await check('allgather where one message is 57 bytes (two rounds) keeps every byte', async () => {
  const sized = (rank) => pattern(rank === comm.size - 1 ? 57 : 56, rank + 11);
  const all = await comm.allgather(sized(comm.rank));
  all.forEach((buf, rank) => assert.ok(buf.equals(sized(rank)), `rank ${rank}`));
  const gathered = await comm.gather(sized(comm.rank), 0);
  if (comm.rank === 0)
    gathered.forEach((buf, rank) => assert.ok(buf.equals(sized(rank)), `gather rank ${rank}`));
});

await check('gather collects on the root only', async () => {
  const root = comm.size - 1;
  const got = await comm.gather(mine, root);
  if (comm.rank !== root) {
    assert.equal(got, null);
    return;
  }
  assert.equal(got.length, comm.size);
  got.forEach((buf, rank) => assert.ok(buf.equals(expected(rank))));
});

await check('gatherSync collects on root 0', async () => {
  const got = comm.gatherSync(Buffer.from(`r${comm.rank}`), 0);
  if (comm.rank === 0)
    assert.deepEqual(
      got.map(String),
      Array.from({ length: comm.size }, (_, r) => `r${r}`),
    );
  else assert.equal(got, null);
});

finish('gather');

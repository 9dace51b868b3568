// bcast: large messages from a non-zero root, the inline/chunk boundaries, receive-into, and
// sync and async calls mixed across ranks (they share one protocol).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

const comm = world();
const root = Math.min(2, comm.size - 1);
const sha = (buf) => createHash('sha256').update(buf).digest('hex');

await check('a 32 MiB bcast from root 2 arrives identical on every rank', async () => {
  const sent = comm.rank === root ? pattern(32 << 20, 5) : null;
  const received = await comm.bcast(sent, root);
  assert.equal(received.length, 32 << 20);
  assert.equal(sha(received), sha(pattern(32 << 20, 5)));
  const digests = await comm.allgather(Buffer.from(sha(received)));
  assert.ok(digests.every((digest) => digest.equals(digests[0])));
});

await check('messages around the inline and empty boundaries arrive intact', async () => {
  for (const length of [0, 1, 1023, 1024, 1025, 4096, 70_000]) {
    const received = await comm.bcast(comm.rank === root ? pattern(length, length) : null, root);
    assert.ok(received.equals(pattern(length, length)), `length ${length}`);
  }
});

await check('the root gets its own Buffer back without a copy', async () => {
  const data = pattern(5000, 1);
  const received = await comm.bcast(comm.rank === 0 ? data : null, 0);
  if (comm.rank === 0) assert.equal(received, data);
  else assert.ok(received.equals(data));
});

await check('non-roots receive into a given Buffer when the message fits', async () => {
  for (const length of [100, 300_000]) {
    const into = Buffer.alloc(400_000);
    const received = await comm.bcast(comm.rank === root ? pattern(length, 9) : null, root, { into });
    assert.ok(received.equals(pattern(length, 9)));
    if (comm.rank !== root) assert.equal(received.buffer, into.buffer);
  }
  const small = Buffer.alloc(10);
  const received = comm.bcastSync(comm.rank === root ? pattern(2000, 3) : null, root, { into: small });
  assert.ok(received.equals(pattern(2000, 3)));
});

await check('sync and async bcast interoperate across ranks', async () => {
  const data = comm.rank === 0 ? pattern(200_000, 4) : null;
  const received = comm.rank % 2 === 0 ? comm.bcastSync(data, 0) : await comm.bcast(data, 0);
  assert.ok(received.equals(pattern(200_000, 4)));
});

await check('bcasts started without awaiting complete in call order', async () => {
  const rounds = Array.from({ length: 20 }, (_, i) =>
    comm.bcast(comm.rank === i % comm.size ? Buffer.from(`message ${i}`) : null, i % comm.size),
  );
  const results = await Promise.all(rounds);
  results.forEach((buf, i) => assert.equal(buf.toString(), `message ${i}`));
});

finish('bcast');

// Point-to-point: send, recv and probe, after the cases of mpi4py's test_p2p_buf.py (self and
// ring exchanges, wildcards, probe, non-overtaking order) written for this binding.
import assert from 'node:assert/strict';
import { ANY_SOURCE, ANY_TAG, world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

const comm = world();
const { rank, size } = comm;
const next = (rank + 1) % size;
const previous = (rank + size - 1) % size;

await check('a message to self arrives with its envelope', async () => {
  for (const length of [0, 1, 100, 70_000]) {
    const [, got] = await Promise.all([comm.send(pattern(length, 3), rank, 5), comm.recv(rank, 5)]);
    assert.ok(got.data.equals(pattern(length, 3)), `length ${length}`);
    assert.equal(got.source, rank);
    assert.equal(got.tag, 5);
  }
});

await check('a ring of 1 MiB messages, every rank sending first', async () => {
  const mine = pattern(1 << 20, rank);
  const sent = comm.send(mine, next, 1);
  const got = await comm.recv(previous, 1);
  await sent;
  assert.ok(got.data.equals(pattern(1 << 20, previous)));
  assert.equal(got.source, previous);
});

await check('a ring of 1 MiB messages, every rank posting its receive first', async () => {
  const receive = comm.recv(previous, 2);
  await comm.send(pattern(1 << 20, rank + 10), next, 2);
  const got = await receive;
  assert.ok(got.data.equals(pattern(1 << 20, previous + 10)));
});

await check('receives from ANY_SOURCE report each sender', async () => {
  if (rank === 0) {
    const senders = [];
    for (let i = 1; i < size; i += 1) {
      const got = await comm.recv(ANY_SOURCE, 3);
      assert.equal(got.data.toString(), `from ${got.source}`);
      senders.push(got.source);
    }
    assert.deepEqual(
      senders.sort((a, b) => a - b),
      Array.from({ length: size - 1 }, (_, i) => i + 1),
    );
  } else {
    await comm.send(Buffer.from(`from ${rank}`), 0, 3);
  }
});

await check('two tags are received in the opposite order they were sent', async () => {
  const sends = [comm.send(Buffer.from('first'), next, 10), comm.send(pattern(200_000, 4), next, 11)];
  const second = await comm.recv(previous, 11);
  const first = await comm.recv(previous, 10);
  await Promise.all(sends);
  assert.equal(first.data.toString(), 'first');
  assert.equal(first.tag, 10);
  assert.ok(second.data.equals(pattern(200_000, 4)));
  assert.equal(second.tag, 11);
});

await check('ANY_TAG reports the tag, and messages with one tag keep their order', async () => {
  const sends = [0, 1, 2].map((i) => comm.send(Buffer.from([i]), next, 20 + i));
  const receives = [0, 1, 2].map(() => comm.recv(previous, ANY_TAG));
  await Promise.all(sends);
  const got = await Promise.all(receives);
  assert.deepEqual(
    got.map((message) => [message.data[0], message.tag]),
    [
      [0, 20],
      [1, 21],
      [2, 22],
    ],
  );
});

await check('probe gives the size before the receive, and the receive then gets that message', async () => {
  const sent = comm.send(pattern(3000 + rank, rank), next, 30);
  const probed = await comm.probe(ANY_SOURCE, 30);
  assert.deepEqual(probed, { source: previous, tag: 30, size: 3000 + previous });
  const into = Buffer.alloc(probed.size);
  const got = await comm.recv(probed.source, probed.tag, { into });
  assert.equal(got.data.buffer, into.buffer);
  assert.ok(got.data.equals(pattern(3000 + previous, previous)));
  await sent;
});

await check('sendSync, probeSync and recvSync pass a token around the ring', async () => {
  // A blocking send may wait for its receive (MPICH's to self always does): rank 0 sends first.
  if (size === 1) return;
  if (rank === 0) comm.sendSync(Buffer.from('token 0'), next, 31);
  assert.equal(comm.probeSync(previous, 31).size, 7);
  const token = comm.recvSync(previous, 31).data.toString();
  assert.equal(token, `token ${rank === 0 ? size - 1 : rank - 1}`);
  if (rank !== 0) comm.sendSync(Buffer.from(`token ${rank}`), next, 31);
});

await check('a message larger than into arrives whole in a new Buffer', async () => {
  const into = Buffer.alloc(10);
  const [, got] = await Promise.all([
    comm.send(pattern(100, 9), next, 32),
    comm.recv(previous, 32, { into }),
  ]);
  assert.notEqual(got.data.buffer, into.buffer);
  assert.ok(got.data.equals(pattern(100, 9)));
});

await check('a 64 MiB message arrives intact', async () => {
  const length = 64 << 20;
  const [, got] = await Promise.all([comm.send(pattern(length, rank), next, 40), comm.recv(previous, 40)]);
  assert.equal(got.data.length, length);
  assert.ok(got.data.equals(pattern(length, previous)));
});

await check('receives and probes pending together each report their own source and tag', async () => {
  // The addon writes each message's envelope into one shared array just before its callback:
  // receives completing at once, on two communicators, must still read their own.
  const other = await comm.dup();
  if (rank === 0) {
    const peers = Array.from({ length: size - 1 }, (_, i) => i + 1);
    // Probes first: a probe never takes its message, but a receive would take it from under one.
    const probed = await Promise.all(peers.map((r) => comm.probe(r, ANY_TAG)));
    assert.deepEqual(
      probed.map(({ source, tag }) => [source, tag]),
      peers.map((r) => [r, 60 + r]),
    );
    const receives = peers.flatMap((r) => [comm.recv(ANY_SOURCE, 60 + r), other.recv(r, ANY_TAG)]);
    for (const message of await Promise.all(receives)) {
      assert.equal(message.data.toString(), `${message.source}/${message.tag}`);
    }
  } else {
    await Promise.all([
      comm.send(Buffer.from(`${rank}/${60 + rank}`), 0, 60 + rank),
      other.send(Buffer.from(`${rank}/${70 + rank}`), 0, 70 + rank),
    ]);
  }
  await comm.barrier();
  other.free();
});

await check('point-to-point progresses beside a pending collective', async () => {
  // The barrier cannot finish until rank 0 has sent, and rank 0 sends only after its receive.
  if (size === 1) return;
  const barrier = comm.barrier();
  if (rank === 1) await comm.send(Buffer.from('go'), 0, 50);
  if (rank === 0) assert.equal((await comm.recv(1, 50)).data.toString(), 'go');
  await barrier;
});

finish('p2p');

// split (by parity, with a null color), splitType, dup and free, after the cases of mpi4py's
// test_comm.py that apply.
import assert from 'node:assert/strict';
import { processorName, world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();

await check('split by parity gives the expected sizes and ranks', async () => {
  const half = await comm.split(comm.rank % 2, comm.rank);
  const evens = Math.ceil(comm.size / 2);
  assert.equal(half.size, comm.rank % 2 === 0 ? evens : comm.size - evens);
  assert.equal(half.rank, Math.floor(comm.rank / 2));
  const highestSameParity = (comm.size - 1) % 2 === comm.rank % 2 ? comm.size - 1 : comm.size - 2;
  assert.equal(await half.allreduce(comm.rank, 'max'), highestSameParity);
  const leader = await half.bcast(half.rank === 0 ? Buffer.from(`leader ${comm.rank}`) : null, 0);
  assert.equal(leader.toString(), `leader ${comm.rank % 2}`);
  half.free();
});

await check('a null color gives null and the others a communicator', async () => {
  const leaders = await comm.split(comm.rank === 0 || comm.rank === comm.size - 1 ? 0 : null, comm.rank);
  if (comm.rank !== 0 && comm.rank !== comm.size - 1) {
    assert.equal(leaders, null);
    return;
  }
  assert.equal(leaders.size, comm.size === 1 ? 1 : 2);
  assert.equal(leaders.rank, comm.rank === 0 ? 0 : 1);
  leaders.free();
});

await check('key reverses the order within a part', async () => {
  const reversed = comm.splitSync(0, comm.size - comm.rank);
  assert.equal(reversed.rank, comm.size - 1 - comm.rank);
  reversed.free();
});

// MPI_COMM_TYPE_SHARED groups the ranks of one node; here a node is a host name.
await check("splitType('shared') spans the ranks of this rank's host, in rank order", async () => {
  const hosts = (await comm.allgather(Buffer.from(processorName()))).map(String);
  const sameHost = hosts.flatMap((host, r) => (host === hosts[comm.rank] ? [r] : []));
  const shared = await comm.splitType('shared');
  assert.equal(shared.size, sameHost.length);
  assert.equal(shared.rank, sameHost.indexOf(comm.rank));
  if (hosts.every((host) => host === hosts[0])) assert.equal(shared.size, comm.size);
  const members = (await shared.allgather(Buffer.from(String(comm.rank)))).map(Number);
  assert.deepEqual(members, sameHost);
  shared.free();
});

await check('splitTypeSync orders the node by key', async () => {
  const reversed = comm.splitTypeSync('shared', comm.size - comm.rank);
  const members = reversed.allgatherSync(Buffer.from(String(comm.rank))).map(Number);
  assert.deepEqual(
    members,
    [...members].sort((a, b) => b - a),
  );
  assert.equal(members[reversed.rank], comm.rank);
  reversed.free();
});

await check('splitType takes only the split types MPI defines here', async () => {
  assert.throws(() => comm.splitType('node'), {
    name: 'TypeError',
    message: `Expected one of 'shared' for type but received the string "node"`,
  });
  assert.throws(() => comm.splitTypeSync('shared', 0.5), {
    name: 'TypeError',
    message: 'Expected an integer for key but received 0.5',
  });
});

await check('dup keeps the group and works independently', async () => {
  const copy = await comm.dup();
  assert.equal(copy.size, comm.size);
  assert.equal(copy.rank, comm.rank);
  const [a, b] = await Promise.all([copy.allreduce(1, 'sum'), comm.allreduce(2, 'sum')]);
  assert.equal(a, comm.size);
  assert.equal(b, 2 * comm.size);
  const copy2 = copy.dupSync();
  copy2.barrierSync();
  copy2.free();
  copy.free();
});

await check('a freed communicator refuses further use', async () => {
  const copy = comm.dupSync();
  copy.free();
  assert.equal(copy.freed, true);
  assert.throws(() => copy.barrier(), { name: 'TypeError', message: 'communicator already freed' });
  assert.throws(() => copy.free(), { name: 'TypeError', message: 'communicator already freed' });
  assert.throws(() => comm.free(), { name: 'TypeError', message: /world communicator cannot be freed/ });
});

finish('split');

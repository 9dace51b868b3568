// Runs without mpirun: MPI starts as a singleton with one rank.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isAvailable,
  libraryVersion,
  MpiError,
  processorName,
  threadLevel,
  version,
  world,
} from '../src/index.js';

const skip = isAvailable() ? false : 'the mpi-napi addon is not built (no MPI installed)';

test('a singleton world has one rank', { skip }, () => {
  const comm = world();
  assert.equal(comm.size, 1);
  assert.equal(comm.rank, 0);
  assert.equal(comm.isWorld, true);
  assert.equal(threadLevel(), 'multiple');
});

test('bcast, gather, allgather and allreduce work on one rank', { skip }, async () => {
  const comm = world();
  const data = Buffer.from('payload');
  assert.equal(await comm.bcast(data, 0), data);
  assert.deepEqual(comm.bcastSync(Buffer.alloc(5000, 3), 0), Buffer.alloc(5000, 3));
  assert.deepEqual((await comm.allgather(data)).map(String), ['payload']);
  assert.deepEqual(comm.gatherSync(data, 0)?.map(String), ['payload']);
  assert.equal(await comm.allreduce(2.5, 'sum'), 2.5);
  assert.equal(comm.allreduceSync(-1, 'min'), -1);
  await comm.barrier();
});

test('scatter and alltoall work on one rank', { skip }, async () => {
  const comm = world();
  const own = Buffer.from('own part');
  assert.equal(await comm.scatter([own], 0), own);
  assert.equal(comm.scatterSync([own], 0), own);
  const sent = Buffer.alloc(100_000, 7);
  const [got] = await comm.alltoall([sent]);
  assert.notEqual(got, sent);
  assert.deepEqual(got, sent);
  assert.deepEqual(comm.alltoallSync([Buffer.from('self')]).map(String), ['self']);
});

test("splitType('shared') gives this process alone", { skip }, async () => {
  const shared = await world().splitType('shared');
  assert.equal(shared.size, 1);
  assert.equal(shared.rank, 0);
  assert.equal(await shared.allreduce(3, 'sum'), 3);
  shared.free();
  world().splitTypeSync('shared', 5).free();
});

test('split with a null color gives null, a color gives a one-rank communicator', { skip }, async () => {
  const comm = world();
  assert.equal(await comm.split(null), null);
  const part = comm.splitSync(7, 0);
  assert.equal(part?.size, 1);
  part?.free();
  assert.equal(part?.freed, true);
  assert.throws(() => part?.allgatherSync(Buffer.alloc(1)), {
    name: 'TypeError',
    message: 'communicator already freed',
  });
});

test('dup gives an independent communicator; world cannot be freed', { skip }, async () => {
  const copy = await world().dup();
  assert.equal(copy.size, 1);
  copy.free();
  assert.throws(() => world().free(), { name: 'TypeError' });
});

test('versions and processor name come from the MPI library', { skip }, () => {
  assert.ok(version().major >= 3);
  assert.match(libraryVersion(), /Open MPI|MPICH/);
  assert.ok(processorName().length > 0);
});

test('calling init after world() is an MpiError', { skip }, async () => {
  const { init } = await import('../src/index.js');
  world();
  assert.throws(
    () => init(),
    (error: unknown) => error instanceof MpiError && /already initialized/.test(error.message),
  );
});

// The environment: world, ranks, versions, thread level, processor name.
import assert from 'node:assert/strict';
import {
  init,
  initialized,
  libraryVersion,
  MpiError,
  processorName,
  threadLevel,
  version,
  world,
} from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();

await check('world has consistent ranks and size', async () => {
  assert.ok(comm.size >= 1);
  assert.ok(comm.rank >= 0 && comm.rank < comm.size);
  assert.equal(comm.isWorld, true);
  assert.equal(world(), comm);
  const ranks = (await comm.allgather(Buffer.from(String(comm.rank)))).map(Number);
  assert.deepEqual(
    ranks,
    Array.from({ length: comm.size }, (_, r) => r),
  );
});

await check('world() initialized MPI with thread level multiple', async () => {
  assert.equal(initialized(), true);
  assert.equal(threadLevel(), 'multiple');
  assert.throws(() => init(), MpiError);
});

await check('versions and processor name are reported', async () => {
  const { major, minor } = version();
  assert.ok(major >= 3, `MPI ${major}.${minor}`);
  assert.match(libraryVersion(), /Open MPI|MPICH/);
  assert.ok(processorName().length > 0);
});

finish('basics');

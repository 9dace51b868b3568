// Messages larger than one MPI call's count travel in chunks. A tiny chunk size (set before
// init, the same on every rank) exercises the paths that otherwise need messages over 1 GiB.
import assert from 'node:assert/strict';
import { world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

process.env.MPI_NAPI_CHUNK_BYTES = '1000'; // read by the first world() call
const comm = world();

await check('bcast in chunks reassembles the message', async () => {
  for (const length of [1001, 2500, 100_000]) {
    const received = await comm.bcast(comm.rank === 0 ? pattern(length, 2) : null, 0);
    assert.ok(received.equals(pattern(length, 2)), `length ${length}`);
  }
  const received = comm.bcastSync(comm.rank === comm.size - 1 ? pattern(4321, 8) : null, comm.size - 1);
  assert.ok(received.equals(pattern(4321, 8)));
});

await check('allgather and gather beyond one count fall back to per-rank chunks', async () => {
  const mine = pattern(700 + comm.rank * 900, comm.rank);
  const all = await comm.allgather(mine);
  all.forEach((buf, rank) => assert.ok(buf.equals(pattern(700 + rank * 900, rank)), `rank ${rank}`));
  const got = comm.gatherSync(mine, 0);
  if (comm.rank === 0) got.forEach((buf, rank) => assert.ok(buf.equals(pattern(700 + rank * 900, rank))));
  else assert.equal(got, null);
});

finish('chunked');

// The edges of the waiting policy: with no spin every wait moves to a worker thread at once, and
// with a short backoff bound waits sleep from their first pause. Collectives must still deliver
// the right bytes, small steps (which sleep) and bulk ones (which never do) alike.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { world } from 'mpi-napi';
import { check, finish, pattern } from './harness.mjs';

process.env.MPI_NAPI_SPIN_US = '0'; // read by the first world() call
process.env.MPI_NAPI_BACKOFF_US = '50';
const comm = world();
const lastRank = comm.size - 1;

await check('collectives handed to a worker at once deliver the right bytes', async () => {
  for (const length of [0, 10, 1024, 1025, 1 << 20]) {
    const root = length % comm.size;
    const received = await comm.bcast(comm.rank === root ? pattern(length, 3) : null, root);
    assert.ok(received.equals(pattern(length, 3)), `bcast of ${length} bytes`);
  }
  const mine = pattern(comm.rank === 0 ? 200_000 : 40, comm.rank);
  const all = await comm.allgather(mine);
  all.forEach((buf, rank) => assert.ok(buf.equals(pattern(rank === 0 ? 200_000 : 40, rank)), `rank ${rank}`));
  assert.equal(await comm.allreduce(comm.rank + 1, 'sum'), (comm.size * (comm.size + 1)) / 2);
});

await check('waits that sleep still see a late rank arrive', async () => {
  if (comm.rank === lastRank) await sleep(200);
  const received = await comm.bcast(comm.rank === lastRank ? pattern(3 << 20, 5) : null, lastRank);
  assert.ok(received.equals(pattern(3 << 20, 5)));
  if (comm.rank === lastRank) await sleep(100);
  comm.barrierSync();
  assert.equal(comm.allreduceSync(comm.rank, 'max'), lastRank);
});

finish('waiting');

// Wrong arguments fail in the TypeScript layer with TypeError/RangeError, state errors are
// MpiError, and nothing reaches C++ that could crash the process.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { finalize, finalized, MpiError, world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();

await check('arguments are validated before MPI is called', async () => {
  assert.throws(() => comm.bcast(Buffer.alloc(1), comm.size), {
    name: 'RangeError',
    message: `Expected an integer in [0, ${comm.size - 1}] for root but received ${comm.size}`,
  });
  assert.throws(() => comm.bcast(Buffer.alloc(1), 0.5), { name: 'TypeError' });
  if (comm.rank === 0)
    assert.throws(() => comm.bcast(null, 0), { name: 'TypeError', message: /Buffer for buf on the root/ });
  assert.throws(() => comm.bcast(Buffer.alloc(1), 0, { into: 'x' }), { name: 'TypeError' });
  assert.throws(() => comm.allgather('text'), {
    name: 'TypeError',
    message: 'Expected a Buffer for buf but received the string "text"',
  });
  assert.throws(() => comm.gather(Buffer.alloc(1), -1), { name: 'RangeError' });
  assert.throws(() => comm.allreduce(1, 'band'), {
    name: 'TypeError',
    message: /'sum', 'prod', 'min', 'max'/,
  });
  assert.throws(() => comm.allreduce('1', 'sum'), { name: 'TypeError' });
  assert.throws(() => comm.split(-2, 0), { name: 'RangeError' });
  assert.throws(() => comm.split(0, 2 ** 40), { name: 'RangeError' });
});

// Rank 0 starts first; the others arrive late, so rank 0's collective is really pending.
async function withPendingOnRankZero(start, whilePending) {
  if (comm.rank !== 0) await sleep(300);
  const pending = start();
  if (comm.rank === 0 && comm.size > 1) whilePending();
  return pending;
}

await check('a sync collective refuses to overtake a pending async one', async () => {
  await withPendingOnRankZero(
    () => comm.barrier(),
    () => assert.throws(() => comm.barrierSync(), /Expected no pending async collective for barrierSync/),
  );
});

await check('finalize refuses while collectives are pending, then ends MPI use', async () => {
  const sum = await withPendingOnRankZero(
    () => comm.allreduce(1, 'sum'),
    () => assert.throws(() => finalize(), MpiError),
  );
  assert.equal(sum, comm.size);
  finalize();
  assert.equal(finalized(), true);
  assert.throws(
    () => comm.barrier(),
    (error) => error instanceof MpiError && error.code === 'MPI_ERROR',
  );
  assert.throws(() => world(), /already finalized/);
});

finish('errors');

// Messages over 2 GiB, past one MPI count (an int): each travels as a struct type that sender and
// receiver build from the length alone, so no setting has to agree across ranks. Runs with 1 or 2
// ranks: each rank holds about 4 GiB at a time, which 4 ranks of a small machine cannot.
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

// Received Buffers are collected between checks and their memory goes back to the receive pool,
// which here keeps one large block: first-touching gigabytes of fresh pages takes seconds on a VM.
process.env.MPI_NAPI_POOL_BYTES = String(3 * 2 ** 30); // read by the first world() call
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
async function collect() {
  gc();
  await turn(); // the pool gets a Buffer's memory back in its finalizer, run on a later turn
}

const comm = world();
const { rank, size } = comm;
const INT_MAX = 2 ** 31 - 1;
// 2 GiB and an odd tail: more than one count, and not a whole number of 1 GiB blocks.
const LARGE = 2 ** 31 + 12_345;
const PERIOD = 251;

// A Buffer of a 251-byte pattern repeated: filled at memory speed, and a shifted or truncated
// copy never matches it.
function stripes(length, seed) {
  const unit = Buffer.from(Array.from({ length: PERIOD }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff));
  return Buffer.allocUnsafe(length).fill(unit);
}

function assertStripes(buf, length, seed) {
  assert.equal(buf.length, length);
  const expected = stripes(PERIOD * 4096, seed);
  for (let offset = 0; offset < length; offset += expected.length) {
    const part = buf.subarray(offset, Math.min(length, offset + expected.length));
    if (!part.equals(expected.subarray(0, part.length))) assert.fail(`bytes differ after offset ${offset}`);
  }
}

if (size > 2) {
  if (rank === 0) console.log(`large: skipped at ${size} ranks (it runs with 1 or 2)`);
} else {
  const big = stripes(LARGE, rank + 1);
  const peer = size - 1 - rank;

  await check('a message over 2 GiB goes point to point intact, probe giving its size', async () => {
    const sent = rank === 0 ? comm.send(big, size - 1, 7) : Promise.resolve();
    if (rank === size - 1) {
      assert.equal((await comm.probe(0, 7)).size, LARGE);
      assertStripes((await comm.recv(0, 7)).data, LARGE, 1);
    }
    await sent;
  });
  await collect();

  await check('a bcast over 2 GiB arrives intact', async () => {
    const got = await comm.bcast(rank === 0 ? big : null, 0);
    if (rank === 0) assert.equal(got, big);
    else assertStripes(got, LARGE, 1);
  });
  await collect();

  await check('allgather and gather whose total passes 2 GiB keep every message', async () => {
    const lengthOf = (r) => (size === 1 ? LARGE : 2 ** 30 + 4096 + r);
    assert.ok(Array.from({ length: size }, (_, r) => lengthOf(r)).reduce((a, b) => a + b) > INT_MAX);
    const mine = big.subarray(0, lengthOf(rank));
    let all = await comm.allgather(mine);
    all.forEach((buf, r) => assertStripes(buf, lengthOf(r), r + 1));
    all = null;
    await collect();
    const gathered = await comm.gather(mine, size - 1);
    if (rank !== size - 1) assert.equal(gathered, null);
    else gathered.forEach((buf, r) => assertStripes(buf, lengthOf(r), r + 1));
  });
  await collect();

  await check('scatter of a part over 2 GiB', async () => {
    const parts =
      rank === 0 ? Array.from({ length: size }, (_, to) => (to === 0 ? Buffer.from('own') : big)) : null;
    const got = await comm.scatter(parts, 0);
    if (rank === 0) assert.equal(got.toString(), 'own');
    else assertStripes(got, LARGE, 1);
  });
  await collect();

  await check('alltoall with a pair over 2 GiB', async () => {
    const parts = Array.from({ length: size }, (_, to) => (to === peer ? big : Buffer.from(`to ${to}`)));
    const got = await comm.alltoall(parts);
    got.forEach((buf, from) => {
      if (from === peer) assertStripes(buf, LARGE, from + 1);
      else assert.equal(buf.toString(), `to ${rank}`);
    });
  });
}

finish('large');

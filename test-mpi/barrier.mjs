// A barrier that one rank enters 600 ms late must not block the other ranks' event loops.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { world } from 'mpi-napi';
import { check, finish } from './harness.mjs';

const comm = world();
const lateRank = comm.size - 1;

await check('timers keep firing while a barrier waits for a late rank', async () => {
  await comm.barrier();
  if (comm.rank === lateRank) await sleep(600);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 10);
  const started = performance.now();
  await comm.barrier();
  const waited = performance.now() - started;
  clearInterval(timer);
  if (comm.rank !== lateRank) {
    assert.ok(waited >= 500, `waited only ${waited.toFixed(0)} ms`);
    assert.ok(ticks >= 20, `only ${ticks} timer ticks in ${waited.toFixed(0)} ms`);
  }
});

await check('barrierSync returns once every rank arrived', async () => {
  if (comm.rank === lateRank) await sleep(100);
  const started = performance.now();
  comm.barrierSync();
  if (comm.rank !== lateRank && comm.size > 1) assert.ok(performance.now() - started >= 50);
});

// A waiting rank sleeps between polls once the spin is over; polling without sleeping would use
// all of a core (or its share of one) for the whole wait.
await check('ranks waiting for a late rank leave the CPU alone', async () => {
  for (const wait of [() => comm.barrier(), async () => comm.barrierSync()]) {
    await comm.barrier();
    if (comm.rank === lateRank) await sleep(400);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await wait();
    const waited = performance.now() - started;
    const { user, system } = process.cpuUsage(cpuBefore);
    const cpu = (user + system) / 1000;
    if (comm.rank !== lateRank) {
      assert.ok(cpu < waited / 4, `${cpu.toFixed(0)} ms of CPU in a ${waited.toFixed(0)} ms wait`);
    }
  }
});

finish('barrier');

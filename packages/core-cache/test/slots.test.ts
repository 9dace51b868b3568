import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { usableCpus, withHostSlot } from '../src/index.js';

test('at most `jobs` holders at once, every one served, a failure releases its slot', async () => {
  let running = 0;
  let most = 0;
  const jobs = 2;
  const task = (i: number) =>
    withHostSlot(jobs, async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 40));
      running -= 1;
      if (i === 3) throw new Error('compile failed');
      return i;
    });
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(task));
  assert.equal(most, jobs);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')),
    [0, 1, 2, 'failed', 4, 5],
  );
});

test('the usable CPUs are at least one and at most the affinity mask', () => {
  const cpus = usableCpus();
  assert.ok(cpus >= 1 && cpus <= availableParallelism(), String(cpus));
});

import assert from 'node:assert/strict';
import { mkdir, utimes } from 'node:fs/promises';
import { test } from 'node:test';
import { LockTimeoutError, buildOnce, openCache } from '../src/index.js';
import { tempDir } from './helpers.js';

test('concurrent callers build once and the others get the result', async () => {
  const layout = await openCache(await tempDir());
  let value: string | null = null;
  let builds = 0;
  const steps = {
    lookup: async () => value,
    build: async () => {
      builds += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = 'done';
      return value;
    },
  };
  const results = await Promise.all(
    Array.from({ length: 5 }, () => buildOnce(layout, 'k-0123456789ab', steps)),
  );
  assert.equal(builds, 1);
  assert.deepEqual(
    results.map((r) => r.value),
    Array(5).fill('done'),
  );
  assert.equal(results.filter((r) => r.built).length, 1);
});

test('a stale lock left by a dead process is taken over', async () => {
  const layout = await openCache(await tempDir());
  const lockDir = `${layout.lock('k-0123456789ab')}.lock`;
  await mkdir(lockDir);
  const old = new Date(Date.now() - 60_000);
  await utimes(lockDir, old, old);
  const started = Date.now();
  const result = await buildOnce(layout, 'k-0123456789ab', {
    lookup: async () => null,
    build: async () => 'rebuilt',
  });
  assert.equal(result.value, 'rebuilt');
  assert.ok(Date.now() - started < 5000);
});

test('waiting on a live lock past the timeout is a LockTimeoutError', async () => {
  const layout = await openCache(await tempDir());
  await mkdir(`${layout.lock('k-0123456789ab')}.lock`);
  await assert.rejects(
    buildOnce(
      layout,
      'k-0123456789ab',
      { lookup: async () => null, build: async () => 'x' },
      { timeoutMs: 200 },
    ),
    LockTimeoutError,
  );
});

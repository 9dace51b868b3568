import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
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

test('a lock whose heartbeat has stopped is renamed aside and taken over', async () => {
  const layout = await openCache(await tempDir());
  const lockDir = `${layout.lock('k-0123456789ab')}.lock`;
  // A dead holder: its lock folder and a counter that no longer changes.
  await mkdir(lockDir);
  await writeFile(`${lockDir}.beat`, '0000000000000007');
  const result = await buildOnce(
    layout,
    'k-0123456789ab',
    { lookup: async () => null, build: async () => 'rebuilt' },
    { staleMs: 2000 },
  );
  assert.equal(result.value, 'rebuilt');
  assert.equal(result.built, true);
  // Nothing of the dead lock is left, and the new holder released its own.
  assert.deepEqual(await readdir(layout.locksDir), []);
});

test('a holder that waits out several heartbeats releases its lock: nothing is left in locks/', async () => {
  const layout = await openCache(await tempDir());
  const result = await buildOnce(
    layout,
    'k-0123456789ab',
    {
      lookup: async () => null,
      build: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        return 'slow';
      },
    },
    { staleMs: 2000 },
  );
  assert.deepEqual(result, { value: 'slow', built: true });
  assert.deepEqual(await readdir(layout.locksDir), []);
});

test('a lock whose heartbeat advances is never taken over, however old its mtime looks', async () => {
  const layout = await openCache(await tempDir());
  const lockDir = `${layout.lock('k-0123456789ab')}.lock`;
  // A live holder seen through a client whose attribute cache froze the lock's mtime an hour ago
  // (what a waiter on NFS or sshfs sees): only the counter inside tells that the holder is alive.
  await mkdir(lockDir);
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(lockDir, hourAgo, hourAgo);
  let beat = 0;
  const beating = setInterval(() => {
    beat += 1;
    writeFileSync(`${lockDir}.beat`, String(beat).padStart(16, '0'));
    utimesSync(lockDir, hourAgo, hourAgo);
  }, 100);
  let published: string | null = null;
  // The holder publishes after 3 s, longer than staleMs, and releases its lock.
  const holderDone = new Promise<void>((resolve) =>
    setTimeout(() => {
      clearInterval(beating);
      published = 'theirs';
      rmSync(lockDir, { recursive: true, force: true });
      rmSync(`${lockDir}.beat`, { force: true });
      resolve();
    }, 3000),
  );
  let builds = 0;
  const result = await buildOnce(
    layout,
    'k-0123456789ab',
    {
      lookup: async () => published,
      build: async () => {
        builds += 1;
        return 'ours';
      },
    },
    { staleMs: 2000 },
  );
  await holderDone;
  assert.equal(builds, 0);
  assert.deepEqual(result, { value: 'theirs', built: false });
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

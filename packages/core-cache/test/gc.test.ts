import assert from 'node:assert/strict';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildOnce,
  cleanCache,
  collectGarbage,
  collectGarbageIfDue,
  compressFrame,
  listEntries,
  lookupEntry,
  openCache,
  PUBLISHES_BETWEEN_SIZE_CHECKS,
  type CacheLayout,
} from '../src/index.js';
import { publishFake } from './fake-entry.js';
import { tempDir } from './helpers.js';

const HOUR = 3600 * 1000;

async function keys(layout: CacheLayout): Promise<string[]> {
  return (await listEntries(layout)).map((entry) => entry.signature);
}

async function age(path: string, agoMs: number): Promise<void> {
  const when = new Date(Date.now() - agoMs);
  await utimes(path, when, when);
}

test('a size limit evicts least-recently-used entries first, library first', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'oldest', { lastUsedAgoMs: 3 * HOUR });
  await publishFake(layout, 'newest', { lastUsedAgoMs: 1 * HOUR });
  await publishFake(layout, 'middle', { lastUsedAgoMs: 2 * HOUR });
  const size = (await listEntries(layout))[0]!.size;
  const report = await collectGarbage(layout, { maxSize: size + 10 });
  assert.deepEqual(
    report.evicted.map((entry) => [entry.signature, entry.reason]),
    [
      ['oldest', 'size'],
      ['middle', 'size'],
    ],
  );
  assert.deepEqual(await keys(layout), ['newest']);
  assert.equal(report.entries, 1);
  assert.equal(report.freedBytes, 2 * size);
  for (const folder of [layout.libDir, layout.srcDir]) {
    assert.ok(
      (await readdir(folder)).every((name) => name.startsWith('newest-')),
      folder,
    );
  }
});

test('a size limit of 0 evicts everything, and a dry run nothing', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'a');
  await publishFake(layout, 'b');
  const dry = await collectGarbage(layout, { maxSize: 0, dryRun: true });
  assert.equal(dry.evicted.length, 2);
  assert.deepEqual(await keys(layout), ['a', 'b']);
  await collectGarbage(layout, { maxSize: 0 });
  assert.deepEqual(await readdir(layout.libDir), []);
});

test('an age limit evicts entries unused for longer', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'stale', { lastUsedAgoMs: 10 * 24 * HOUR });
  await publishFake(layout, 'fresh', { lastUsedAgoMs: HOUR });
  const report = await collectGarbage(layout, { maxAgeMs: 7 * 24 * HOUR });
  assert.deepEqual(
    report.evicted.map((entry) => [entry.signature, entry.reason]),
    [['stale', 'age']],
  );
  assert.deepEqual(await keys(layout), ['fresh']);
});

test('a dependency counts as used with its dependents and takes them along when evicted', async () => {
  const layout = await openCache(await tempDir());
  const base = await publishFake(layout, 'base', { lastUsedAgoMs: 5 * HOUR });
  await publishFake(layout, 'user', { dependencies: [base], lastUsedAgoMs: HOUR });
  await publishFake(layout, 'other', { lastUsedAgoMs: 3 * HOUR });
  const sizes = new Map((await listEntries(layout)).map((entry) => [entry.signature, entry.size]));
  const first = await collectGarbage(layout, { maxSize: sizes.get('base')! + sizes.get('user')! });
  assert.deepEqual(
    first.evicted.map((entry) => entry.signature),
    ['other'],
    'base was used when user was, an hour ago',
  );
  const second = await collectGarbage(layout, { maxAgeMs: 30 * 60 * 1000 });
  assert.deepEqual(
    second.evicted.map((entry) => [entry.signature, entry.reason]).sort(),
    [
      ['base', 'age'],
      ['user', 'dependency'],
    ].sort(),
  );
});

test('an entry whose lock a live process holds is left in place', async () => {
  const layout = await openCache(await tempDir());
  const key = await publishFake(layout, 'busy');
  let report;
  await buildOnce(layout, key, {
    lookup: async () => null,
    build: async () => {
      report = await collectGarbage(layout, { maxSize: 0 });
      return true;
    },
  });
  assert.deepEqual(report!.busy, [key]);
  assert.ok(await lookupEntry(layout, key));
});

test('leftovers go: old staging, stale probes, dead locks and lone counters, old failures, half-published entries', async () => {
  const layout = await openCache(await tempDir());
  const oldStaging = join(layout.tmpDir, 'gone-0123456789ab.AbCdEf');
  const freshStaging = join(layout.tmpDir, 'fresh-0123456789ab.AbCdEf');
  await mkdir(oldStaging);
  await mkdir(freshStaging);
  await age(oldStaging, HOUR);
  await writeFile(join(layout.commDir, 'probe.3'), '');
  await age(join(layout.commDir, 'probe.3'), HOUR);
  await mkdir(join(layout.locksDir, 'dead-0123456789ab.lock'));
  await age(join(layout.locksDir, 'dead-0123456789ab.lock'), HOUR);
  await mkdir(join(layout.locksDir, 'live-0123456789ab.lock'));
  // Counters: a dead holder's, one a waiter left without a lock, and a live holder's whose mtime
  // this client's attribute cache froze an hour ago (its lock folder is what keeps it).
  for (const name of ['dead', 'left', 'live']) {
    await writeFile(join(layout.locksDir, `${name}-0123456789ab.lock.beat`), '');
    await age(join(layout.locksDir, `${name}-0123456789ab.lock.beat`), HOUR);
  }
  await mkdir(join(layout.errDir, 'old-0123456789ab'));
  await age(join(layout.errDir, 'old-0123456789ab'), 8 * 24 * HOUR);
  await mkdir(join(layout.errDir, 'recent-0123456789ab'));
  const orphan = layout.source('orphan-0123456789ab', 'c++');
  await writeFile(orphan, await compressFrame('x'));
  await age(orphan, HOUR);
  const expected = { staging: 1, probes: 1, locks: 3, failures: 1, orphans: 1 };
  assert.deepEqual((await collectGarbage(layout, { dryRun: true })).leftovers, expected);
  const report = await collectGarbage(layout);
  assert.deepEqual(report.leftovers, expected);
  assert.deepEqual(await readdir(layout.tmpDir), ['fresh-0123456789ab.AbCdEf']);
  assert.deepEqual(await readdir(layout.commDir), []);
  assert.deepEqual((await readdir(layout.locksDir)).sort(), [
    'live-0123456789ab.lock',
    'live-0123456789ab.lock.beat',
  ]);
  assert.deepEqual(await readdir(layout.errDir), ['recent-0123456789ab']);
  assert.deepEqual(await readdir(layout.srcDir), []);
});

test('a slow build keeps its staging folder while it holds the lock', async () => {
  const layout = await openCache(await tempDir());
  const key = 'slow-0123456789ab';
  const staging = join(layout.tmpDir, `${key}.XyZ123`);
  await buildOnce(layout, key, {
    lookup: async () => null,
    build: async () => {
      await mkdir(staging);
      await age(staging, HOUR);
      assert.equal((await collectGarbage(layout)).leftovers.staging, 0);
      return true;
    },
  });
  await stat(staging);
});

test('a new cache starts with a fresh stamp, so its first publish does not scan it', async () => {
  const layout = await openCache(await tempDir());
  await stat(layout.gcStamp);
  await publishFake(layout, 'n1', { lastUsedAgoMs: 2 * HOUR });
  assert.equal(await collectGarbageIfDue(layout, { maxSize: 1 }), null);
  assert.deepEqual(await keys(layout), ['n1']);
});

test('the size limit is enforced after a publish only when the stamp is old', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'p1', { lastUsedAgoMs: 2 * HOUR });
  await publishFake(layout, 'p2', { lastUsedAgoMs: 2 * HOUR });
  // A cache made by an older version, or whose stamp was removed, is due at once.
  await rm(layout.gcStamp);
  const first = await collectGarbageIfDue(layout, { maxSize: 1 });
  assert.ok(first, 'no stamp: due');
  assert.equal(first.evicted.length, 2);
  await stat(layout.gcStamp);
  await publishFake(layout, 'p3', { lastUsedAgoMs: 2 * HOUR });
  assert.equal(await collectGarbageIfDue(layout, { maxSize: 1 }), null, 'stamp is fresh');
  assert.deepEqual(await keys(layout), ['p3']);
  await age(layout.gcStamp, 2 * HOUR);
  const again = await collectGarbageIfDue(layout, { maxSize: 1 });
  assert.deepEqual(
    again?.evicted.map((entry) => entry.signature),
    ['p3'],
  );
  await publishFake(layout, 'p4', { lastUsedAgoMs: 2 * HOUR });
  assert.equal(await collectGarbageIfDue(layout, { maxSize: 0 }), null);
  for (let i = 2; i < PUBLISHES_BETWEEN_SIZE_CHECKS; i++) await collectGarbageIfDue(layout, { maxSize: 0 });
  const counted = await collectGarbageIfDue(layout, { maxSize: 0 });
  assert.ok(counted, 'every so many publishes it runs whatever the stamp says');
  assert.deepEqual(counted.evicted, [], 'maxSize 0 is no limit');
});

test('entries used in the last minutes survive automatic enforcement', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'recent');
  await rm(layout.gcStamp);
  const report = await collectGarbageIfDue(layout, { maxSize: 1 });
  assert.equal(report?.evicted.length, 0);
  assert.deepEqual(await keys(layout), ['recent']);
});

test('clean removes every entry and failure but keeps the statistics', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'c1');
  await publishFake(layout, 'c2', { header: 'h' });
  await mkdir(join(layout.errDir, 'c3-0123456789ab'));
  await writeFile(join(layout.statsDir, 'keep.json'), '{}');
  const report = await cleanCache(layout);
  assert.equal(report.entries, 2);
  assert.ok(report.bytes > 2000);
  for (const folder of [layout.libDir, layout.srcDir, layout.logDir, layout.errDir]) {
    assert.deepEqual(await readdir(folder), [], folder);
  }
  assert.deepEqual(await readdir(layout.statsDir), ['keep.json']);
});

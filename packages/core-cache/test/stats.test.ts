import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  countStat,
  flushStats,
  mergeStats,
  openCache,
  pendingStats,
  readStats,
  zeroStats,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const INDEX = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');

test('openCache creates the stats folder with mode 0700', async () => {
  const layout = await openCache(await tempDir());
  assert.equal((await stat(layout.statsDir)).mode & 0o777, 0o700);
});

test('counts stay in memory until flushed, then land in a file of this process', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'diskHits');
  countStat(layout.dir, 'diskHits');
  countStat(layout.dir, 'compileSeconds', 1.5);
  assert.deepEqual(await readdir(layout.statsDir), []);
  assert.equal(pendingStats(layout.dir).diskHits, 2);
  assert.equal((await readStats(layout)).counters.diskHits, 2, 'the unwritten counts are included');
  flushStats();
  const files = await readdir(layout.statsDir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, new RegExp(`^[A-Za-z0-9_.-]+-${process.pid}-[0-9a-f]{12}\\.json$`));
  assert.equal(pendingStats(layout.dir).diskHits, 0);
  assert.deepEqual(await readdir(layout.tmpDir), []);
  const stats = await readStats(layout);
  assert.equal(stats.counters.diskHits, 2);
  assert.equal(stats.counters.compileSeconds, 1.5);
  assert.equal(stats.files, 1);
});

test('every process writes its own file at exit, and stats sums them', async () => {
  const layout = await openCache(await tempDir());
  const script = (hits: number): string =>
    `import { countStat } from ${JSON.stringify(INDEX)};\n` +
    `for (let i = 0; i < ${hits}; i++) countStat(${JSON.stringify(layout.dir)}, 'memoryHits');\n` +
    `countStat(${JSON.stringify(layout.dir)}, 'misses');\n`;
  await Promise.all(
    [3, 4, 5].map(
      (hits) =>
        new Promise<void>((resolve, reject) =>
          execFile(process.execPath, ['--input-type=module', '-e', script(hits)], (error) =>
            error ? reject(error) : resolve(),
          ),
        ),
    ),
  );
  assert.equal((await readdir(layout.statsDir)).length, 3);
  const { counters } = await readStats(layout);
  assert.equal(counters.memoryHits, 12);
  assert.equal(counters.misses, 3);
});

test('zeroing removes the files and writes a zero baseline; unreadable files are left out', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'builds', 4);
  flushStats();
  await writeFile(join(layout.statsDir, 'garbage.json'), '{ nope');
  const before = await readStats(layout);
  assert.equal(before.counters.builds, 4);
  assert.equal(before.unreadable, 1);
  const zeroedAt = Date.now();
  await zeroStats(layout);
  const after = await readStats(layout);
  assert.equal(after.counters.builds, 0);
  assert.equal(after.files, 1);
  assert.ok(after.since! >= zeroedAt);
});

test('old statistics files are merged into one with the same sums', async () => {
  const layout = await openCache(await tempDir());
  for (const misses of [1, 2, 3]) {
    countStat(layout.dir, 'misses', misses);
    flushStats();
  }
  const old = new Date(Date.now() - 2 * 3600 * 1000);
  for (const name of await readdir(layout.statsDir)) await utimes(join(layout.statsDir, name), old, old);
  countStat(layout.dir, 'misses', 10);
  flushStats();
  assert.equal(await mergeStats(layout, 3600 * 1000, { dryRun: true }), 3);
  assert.equal((await readdir(layout.statsDir)).length, 4);
  assert.equal(await mergeStats(layout, 3600 * 1000), 3);
  const names = await readdir(layout.statsDir);
  assert.equal(names.length, 2);
  assert.equal((await readStats(layout)).counters.misses, 16);
  const merged = await Promise.all(names.map((name) => readFile(join(layout.statsDir, name), 'utf8')));
  assert.ok(merged.some((text) => JSON.parse(text).counters.misses === 6));
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { lockSync } from 'proper-lockfile';
import {
  STATS_SLOTS,
  collectGarbage,
  countStat,
  flushStats,
  flushStatsSync,
  openCache,
  pendingStats,
  readStats,
  zeroStats,
  type CacheLayout,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const RUNTIME = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'runtime.js');
const SLOT_FILE = /^\d\d\.json$/;

async function slotFiles(layout: CacheLayout): Promise<string[]> {
  return (await readdir(layout.statsDir)).filter((name) => SLOT_FILE.test(name));
}

function holdSlot(layout: CacheLayout, slot: number): () => void {
  return lockSync(layout.statsLock(slot % STATS_SLOTS), { realpath: false, stale: 10_000 });
}

test('openCache creates the stats folder with mode 0700', async () => {
  const layout = await openCache(await tempDir());
  assert.equal((await stat(layout.statsDir)).mode & 0o777, 0o700);
});

test('counts stay in memory until flushed, then land in a slot file', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'diskHits');
  countStat(layout.dir, 'diskHits');
  countStat(layout.dir, 'compileSeconds', 1.5);
  assert.deepEqual(await readdir(layout.statsDir), []);
  assert.equal(pendingStats(layout.dir).diskHits, 2);
  assert.equal((await readStats(layout)).counters.diskHits, 2, 'the unwritten counts are included');
  await flushStats();
  const files = await readdir(layout.statsDir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, SLOT_FILE);
  assert.equal(pendingStats(layout.dir).diskHits, 0);
  assert.deepEqual(await readdir(layout.tmpDir), []);
  const stats = await readStats(layout);
  assert.equal(stats.counters.diskHits, 2);
  assert.equal(stats.counters.compileSeconds, 1.5);
  assert.equal(stats.files, 1);
  // Flushing again adds to the same slot.
  countStat(layout.dir, 'failures');
  await flushStats();
  assert.deepEqual(await readdir(layout.statsDir), files);
  const record = JSON.parse(await readFile(join(layout.statsDir, files[0]!), 'utf8'));
  assert.equal(record.counters.diskHits, 2);
  assert.equal(record.counters.failures, 1);
});

test('a slot another process holds is skipped; with every slot tried held, counts wait', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'builds', 1);
  await flushStats();
  const home = Number((await slotFiles(layout))[0]!.slice(0, 2));
  const held = [holdSlot(layout, home)];
  try {
    countStat(layout.dir, 'builds', 2);
    await flushStats();
    assert.deepEqual(await slotFiles(layout), [home, home + 1].map(slotName).sort());
    for (let i = 1; i < 4; i++) held.push(holdSlot(layout, home + i));
    countStat(layout.dir, 'builds', 4);
    await flushStats();
    assert.equal(pendingStats(layout.dir).builds, 4, 'kept for the next flush');
    assert.equal((await readStats(layout, { includePending: false })).counters.builds, 3);
  } finally {
    for (const release of held) release();
  }
  await flushStats();
  assert.equal(pendingStats(layout.dir).builds, 0);
  assert.equal((await readStats(layout)).counters.builds, 7);
});

test('zeroing resets every slot and records when counting restarted', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'builds', 4);
  await flushStats();
  const home = Number((await slotFiles(layout))[0]!.slice(0, 2));
  await writeFile(join(layout.statsDir, 'garbage.json'), '{ nope');
  await writeFile(join(layout.statsDir, slotName(home + 1)), '{ "v": 9 }');
  const before = await readStats(layout);
  assert.equal(before.counters.builds, 4);
  assert.equal(before.unreadable, 2);
  countStat(layout.dir, 'builds', 8);
  const zeroedAt = Date.now();
  await zeroStats(layout);
  const after = await readStats(layout);
  assert.equal(after.counters.builds, 0, "this process's unwritten counts are forgotten too");
  assert.equal(after.unreadable, 0);
  assert.ok(after.since! >= zeroedAt);
  assert.ok((await readdir(layout.statsDir)).every((name) => SLOT_FILE.test(name)));
});

test('statistics files of older versions are counted, and gc folds them into a slot', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'misses', 10);
  await flushStats();
  const old = (misses: number, since: number): string =>
    JSON.stringify({ v: 1, host: 'h', pid: 1, since, until: since + 1, counters: { misses } });
  for (const [index, misses] of [1, 2, 3].entries()) {
    await writeFile(join(layout.statsDir, `h-${index}-0123456789ab.json`), old(misses, 1000 + index));
  }
  assert.equal((await readStats(layout)).counters.misses, 16);
  const dry = await collectGarbage(layout, { dryRun: true });
  assert.equal(dry.statsFilesMerged, 3);
  assert.equal((await readdir(layout.statsDir)).length, 4);
  assert.equal((await collectGarbage(layout)).statsFilesMerged, 3);
  const names = await readdir(layout.statsDir);
  assert.deepEqual(names, await slotFiles(layout));
  assert.equal(names.length, 1, 'folded into the slot this process writes');
  const stats = await readStats(layout);
  assert.equal(stats.counters.misses, 16);
  assert.equal(stats.since, 1000, 'the oldest count is kept');
  assert.equal((await collectGarbage(layout)).statsFilesMerged, 0);
});

test('a cache that vanished loses its counts, never the program', async () => {
  const layout = await openCache(await tempDir());
  countStat(layout.dir, 'diskHits');
  await rm(layout.dir, { recursive: true, force: true });
  await flushStats();
  flushStatsSync();
  assert.equal(pendingStats(layout.dir).diskHits, 1, 'kept in memory while the process runs');
  // At exit, in a process of its own: the cache is gone, or its stats folder is a file.
  for (const breakIt of ['rm', 'file'] as const) {
    const dir = join(await tempDir(), 'cache');
    await openCache(dir);
    const broken =
      breakIt === 'rm'
        ? `await rm(${JSON.stringify(dir)}, { recursive: true });`
        : `await rm(${JSON.stringify(join(dir, 'stats'))}, { recursive: true }); await writeFile(${JSON.stringify(join(dir, 'stats'))}, '');`;
    const script =
      `import { rm, writeFile } from 'node:fs/promises';\n` +
      `import { countStat } from ${JSON.stringify(RUNTIME)};\n` +
      `countStat(${JSON.stringify(dir)}, 'diskHits');\n${broken}\n`;
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], (error, _stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  }
});

function slotName(slot: number): string {
  return `${String(slot % STATS_SLOTS).padStart(2, '0')}.json`;
}

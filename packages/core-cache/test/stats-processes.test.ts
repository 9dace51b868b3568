import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { lockSync } from 'proper-lockfile';
import {
  STATS_FLUSH_INTERVAL_MS,
  STATS_SLOTS,
  openCache,
  readStats,
  type CacheLayout,
} from '../src/index.js';
import { tempDir } from './helpers.js';

// Children load the statistics module alone: 200 of them start in seconds.
const STATS = JSON.stringify(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'stats.js'));
const INDEX = JSON.stringify(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js'));

/** Run a module in a node process of its own; resolves with its output when it exits with 0. */
function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Start a module in a node process that runs until its stdin ends. */
function startNode(script: string): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function nextLine(child: ChildProcess): Promise<string> {
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return chunk.toString().trim();
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** The counters as another process reads them from the files. */
async function countersOnDisk(layout: CacheLayout): Promise<Record<string, number>> {
  const script =
    `import { openCache, readStats } from ${INDEX};\n` +
    `const stats = await readStats(await openCache(${JSON.stringify(layout.dir)}));\n` +
    `console.log(JSON.stringify(stats.counters));\n`;
  return JSON.parse(await runNode(script)) as Record<string, number>;
}

async function inBatches(
  count: number,
  width: number,
  run: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await run(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

test('200 processes leave at most 64 statistics files and count every disk hit', async () => {
  const layout = await openCache(await tempDir());
  const script = `import { countStat } from ${STATS};\ncountStat(${JSON.stringify(layout.dir)}, 'diskHits');\n`;
  await inBatches(200, 12, () => runNode(script));
  const names = await readdir(layout.statsDir);
  assert.ok(names.length <= STATS_SLOTS, `${names.length} files`);
  assert.ok(
    names.every((name) => /^\d\d\.json$/.test(name)),
    names.join(),
  );
  assert.equal((await readStats(layout)).counters.diskHits, 200);
  assert.deepEqual(await readdir(layout.tmpDir), []);
});

test('a build flushed by a running process is visible to another process at once', async () => {
  const layout = await openCache(await tempDir());
  const builder = startNode(
    `import { countStat, flushStats } from ${STATS};\n` +
      `countStat(${JSON.stringify(layout.dir)}, 'builds');\n` +
      `countStat(${JSON.stringify(layout.dir)}, 'failures');\n` +
      `await flushStats();\nconsole.log('flushed');\nprocess.stdin.resume();\n`,
  );
  try {
    assert.equal(await nextLine(builder), 'flushed');
    const counters = await countersOnDisk(layout);
    assert.equal(counters.builds, 1);
    assert.equal(counters.failures, 1);
  } finally {
    builder.stdin!.end();
  }
  assert.equal(await exited(builder), 0);
  assert.equal((await countersOnDisk(layout)).builds, 1, 'counted once, not again at exit');
});

test('a hit reaches the disk within the flush interval while the process runs, and at exit', async () => {
  const layout = await openCache(await tempDir());
  const dir = JSON.stringify(layout.dir);
  const child = startNode(
    `import { countStat } from ${STATS};\n` +
      `countStat(${dir}, 'diskHits');\nconsole.log('counted');\n` +
      `process.stdin.on('data', () => { countStat(${dir}, 'diskHits'); process.exit(0); });\n`,
  );
  try {
    assert.equal(await nextLine(child), 'counted');
    // Poll for it, giving up well after the interval (the process is alive all along).
    const deadline = Date.now() + 4 * STATS_FLUSH_INTERVAL_MS;
    let seen = 0;
    while (seen === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = (await readStats(layout)).counters.diskHits;
    }
    assert.equal(seen, 1);
    assert.equal(child.exitCode, null, 'written by the running process');
    child.stdin!.write('exit\n');
    assert.equal(await exited(child), 0);
    assert.equal((await readStats(layout)).counters.diskHits, 2);
  } finally {
    child.kill();
  }
});

test('concurrent flushers never double-count, even crowded onto one slot', async () => {
  const layout = await openCache(await tempDir());
  const free = 17;
  const held = Array.from({ length: STATS_SLOTS }, (_, slot) => slot)
    .filter((slot) => slot !== free)
    .map((slot) => lockSync(layout.statsLock(slot), { realpath: false, stale: 10_000 }));
  try {
    const dir = JSON.stringify(layout.dir);
    const script =
      `import { countStat, flushStats } from ${STATS};\n` +
      `for (let i = 0; i < 25; i++) {\n` +
      `  countStat(${dir}, 'builds');\n  countStat(${dir}, 'diskHits');\n  await flushStats();\n}\n` +
      `for (let i = 0; i < 25; i++) countStat(${dir}, 'memoryHits');\n`;
    await Promise.all(Array.from({ length: 8 }, () => runNode(script)));
  } finally {
    for (const release of held) release();
  }
  assert.deepEqual(await readdir(layout.statsDir), [`${free}.json`]);
  const { counters } = await readStats(layout);
  assert.deepEqual([counters.builds, counters.diskHits, counters.memoryHits], [200, 200, 200]);
});

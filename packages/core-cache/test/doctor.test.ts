import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCacheDirectory, openCache, verifyEntries } from '../src/index.js';
import { publishFake } from './fake-entry.js';
import { tempDir } from './helpers.js';

test('a private, writable cache directory passes its checks', async () => {
  const { checks, layout } = await checkCacheDirectory(join(await tempDir(), 'cache'));
  assert.ok(layout);
  assert.deepEqual(
    checks.map((check) => [check.name, check.status === 'fail' ? 'fail' : 'pass']),
    [
      ['cache permissions', 'pass'],
      ['cache writable', 'pass'],
      ['free space', 'pass'],
    ],
  );
});

test('a cache directory others can write to fails with the fix in the detail', async () => {
  const dir = join(await tempDir(), 'open');
  await mkdir(dir);
  await chmod(dir, 0o777);
  const { checks, layout } = await checkCacheDirectory(dir);
  assert.equal(layout, undefined);
  assert.equal(checks[0]?.status, 'fail');
  assert.match(checks[0]?.detail ?? '', /chmod go-w/);
});

test('verification names corrupt entries: a flipped bit, a missing source', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'good');
  const flipped = await publishFake(layout, 'flipped');
  const sourceless = await publishFake(layout, 'sourceless');
  const bytes = await readFile(layout.lib(flipped));
  bytes[10] = bytes[10]! ^ 1;
  await writeFile(layout.lib(flipped), bytes);
  await writeFile(layout.source(sourceless, 'c++'), 'not an lz4 frame');
  const progress: number[] = [];
  const { verified, corrupt } = await verifyEntries(layout, { onProgress: (done) => progress.push(done) });
  assert.equal(verified, 3);
  assert.deepEqual(progress, [1, 2, 3]);
  assert.deepEqual(
    corrupt.map((entry) => entry.key),
    [flipped, sourceless],
  );
  assert.match(corrupt[0]!.problem, /sha256/);
  assert.match(corrupt[1]!.problem, /lz4/);
});

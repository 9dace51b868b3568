import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWorker, tempDir } from './helpers.js';

test('8 processes racing on one signature compile once and all get the library', async () => {
  const dir = await tempDir();
  const counter = join(dir, 'generate-calls');
  const runs = await Promise.all(
    Array.from({ length: 8 }, () => runWorker([join(dir, 'cache'), counter, 'raced_kernel', '41'])),
  );
  assert.equal((await readFile(counter, 'utf8')).trim().split('\n').length, 1);
  assert.deepEqual(
    runs.map((r) => r.result),
    Array(8).fill(42),
  );
  assert.equal(runs.filter((r) => r.origin === 'built').length, 1);
  assert.deepEqual(
    (await readdir(join(dir, 'cache', 'lib'))).filter((name) => name.endsWith('.so')).length,
    1,
  );
  assert.deepEqual(await readdir(join(dir, 'cache', 'tmp')), []);
});

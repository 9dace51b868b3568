import assert from 'node:assert/strict';
import { readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParameterError, jit, resolveParams } from '../src/index.js';
import { counting, tempDir } from './helpers.js';

test('cache.maxSize takes bytes or sizes like "5G" and defaults to 5 GiB', () => {
  assert.equal(resolveParams().params.cache.maxSize, 5 * 1024 ** 3);
  assert.equal(resolveParams({ cache: { maxSize: '500M' } }).params.cache.maxSize, 500 * 1024 ** 2);
  assert.equal(resolveParams({ cache: { maxSize: 0 } }).params.cache.maxSize, 0);
  assert.equal(resolveParams({ cache: { maxSize: '1G' } }).sources['cache.maxSize'], 'call');
  assert.throws(
    () => resolveParams({ cache: { maxSize: 'huge' } }),
    (error: unknown) => error instanceof ParameterError && /params\.cache\.maxSize/.test(error.message),
  );
});

test('a build enforces the size limit when it is due, evicting entries unused for a while', async () => {
  const dir = await tempDir();
  const old = await jit({
    signature: 'limit_old',
    generate: counting('extern "C" int a() { return 1; }\n'),
    params: { cache: { dir, maxSize: '1K' } },
  });
  // A new cache starts with a fresh stamp, so the first build did not check; make the entry look
  // unused for hours and the stamp gone (as if the last check were long ago).
  const hoursAgo = new Date(Date.now() - 5 * 3600 * 1000);
  await utimes(old.path, hoursAgo, hoursAgo);
  await rm(join(dir, 'gc.stamp'));
  const fresh = await jit({
    signature: 'limit_new',
    generate: counting('extern "C" int b() { return 2; }\n'),
    params: { cache: { dir, maxSize: '1K' } },
  });
  assert.equal(fresh.origin, 'built');
  assert.deepEqual(
    (await readdir(join(dir, 'lib'))).filter((name) => name.endsWith('.so')),
    [`${fresh.key}.so`],
  );
});

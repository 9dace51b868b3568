import assert from 'node:assert/strict';
import { chmod, mkdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheUnsafeError, openCache } from '../src/index.js';
import { tempDir } from './helpers.js';

test('creates the cache directory and its folders with mode 0700', async () => {
  const dir = join(await tempDir(), 'deep', 'cache');
  const layout = await openCache(dir);
  assert.equal(layout.dir, dir);
  for (const path of [
    dir,
    layout.libDir,
    layout.srcDir,
    layout.logDir,
    layout.errDir,
    layout.tmpDir,
    layout.locksDir,
  ]) {
    assert.equal((await stat(path)).mode & 0o777, 0o700, path);
  }
});

test('refuses a cache directory writable by group or others, naming it and the fix', async () => {
  const dir = join(await tempDir(), 'open');
  await mkdir(dir);
  await chmod(dir, 0o777);
  await assert.rejects(openCache(dir), (error: unknown) => {
    assert.ok(error instanceof CacheUnsafeError);
    assert.equal(error.code, 'CACHE_UNSAFE');
    assert.equal(error.path, dir);
    assert.ok(error.message.includes(dir));
    assert.match(error.message, /chmod go-w/);
    return true;
  });
});

test('refuses a lib/ folder writable by others', async () => {
  const dir = join(await tempDir(), 'libopen');
  await mkdir(join(dir, 'lib'), { recursive: true, mode: 0o700 });
  await chmod(join(dir, 'lib'), 0o757);
  await assert.rejects(
    openCache(dir),
    (error: unknown) => error instanceof CacheUnsafeError && error.path === join(dir, 'lib'),
  );
});

test('refuses a folder inside the cache that is a symlink out of it', async () => {
  const root = await tempDir();
  const dir = join(root, 'cache');
  const elsewhere = join(root, 'elsewhere');
  await mkdir(dir, { mode: 0o700 });
  await mkdir(elsewhere, { mode: 0o700 });
  await symlink(elsewhere, join(dir, 'lib'));
  await assert.rejects(openCache(dir), /symbolic link/);
});

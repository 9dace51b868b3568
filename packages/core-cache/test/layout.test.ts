import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheUnsafeError, forgetOpenedCaches, openCache } from '../src/index.js';
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

test('refuses a lib/ folder writable by others when others may enter the cache', async () => {
  const dir = join(await tempDir(), 'libopen');
  await mkdir(join(dir, 'lib'), { recursive: true, mode: 0o700 });
  await chmod(dir, 0o755);
  await chmod(join(dir, 'lib'), 0o757);
  await assert.rejects(
    openCache(dir),
    (error: unknown) => error instanceof CacheUnsafeError && error.path === join(dir, 'lib'),
  );
});

test('a cache only its owner can enter is checked with one listing, folders made when missing', async () => {
  const dir = join(await tempDir(), 'private');
  await mkdir(join(dir, 'lib'), { recursive: true, mode: 0o700 });
  // Out of everyone else's reach, a folder's own mode grants nothing: it is not a reason to refuse.
  await chmod(join(dir, 'lib'), 0o757);
  await writeFile(join(dir, 'src'), 'not a folder');
  await assert.rejects(openCache(dir), /cache folder .*src: it is not a directory/);
  forgetOpenedCaches();
  await rm(join(dir, 'src'));
  const layout = await openCache(dir);
  assert.ok((await stat(layout.tmpDir)).isDirectory());
  assert.equal(layout.writable, true);
});

test('a directory this process cannot write opens read-only: hits are served, builds refused', async () => {
  const dir = join(await tempDir(), 'ro');
  await openCache(dir);
  forgetOpenedCaches();
  const probe =
    `import('${new URL('../src/index.js', import.meta.url).href}')` +
    `.then((m) => console.log(m.openCacheSync(${JSON.stringify(dir)}).writable))`;
  let output: string;
  if (process.getuid?.() === 0) {
    // root passes every permission check: a read-only bind mount in a mount namespace of its own.
    const script = `mount --bind -o ro "$0" "$0" && exec "$1" -e "$2"`;
    output = execFileSync('unshare', ['--mount', 'sh', '-c', script, dir, process.execPath, probe], {
      encoding: 'utf8',
    });
  } else {
    await chmod(dir, 0o500);
    try {
      output = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    } finally {
      await chmod(dir, 0o700);
    }
  }
  assert.equal(output.trim(), 'false');
  assert.equal((await openCache(dir)).writable, true);
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

import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CacheUnsafeError, ParameterError, forgetOpenedCaches, openCache } from '../src/index.js';
import { publishFake } from './fake-entry.js';
import { groupId } from '../src/trust.js';

/** A fresh temporary directory, removed when the test file ends. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'core-cache-trust-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function groupWritableCache(gid: number): Promise<string> {
  const dir = join(await tempDir(), 'team');
  await mkdir(dir, { mode: 0o700 });
  await chown(dir, process.getuid!(), gid);
  await chmod(dir, 0o770);
  return dir;
}

test('a group-writable cache is refused, and accepted when cache.trustedGroup names its group', async () => {
  const gid = process.getgid!();
  const dir = await groupWritableCache(gid);
  await assert.rejects(openCache(dir), (error: unknown) => {
    assert.ok(error instanceof CacheUnsafeError);
    assert.match(error.message, /lets group or others write.*trustedGroup/s);
    return true;
  });
  const layout = await openCache(dir, { trustedGroup: String(gid) });
  assert.equal(layout.writable, true);
  forgetOpenedCaches();
  // Its folders were made by this process (0700); a folder the group can write is accepted too.
  await chmod(layout.libDir, 0o770);
  await openCache(dir, { trustedGroup: String(gid) });
});

test('a trusted group this user is not in, and a world-writable cache, are refused', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to give a directory a group this user is not in');
    return;
  }
  const foreign = 54321;
  assert.ok(!process.getgroups!().includes(foreign));
  const dir = await groupWritableCache(foreign);
  await assert.rejects(
    openCache(dir, { trustedGroup: String(foreign) }),
    (error: unknown) =>
      error instanceof CacheUnsafeError && /not a member/.test(error.message) && error.path === dir,
  );
  const open = await groupWritableCache(process.getgid!());
  await chmod(open, 0o777);
  await assert.rejects(
    openCache(open, { trustedGroup: String(process.getgid!()) }),
    (error: unknown) => error instanceof CacheUnsafeError && /any user write/.test(error.message),
  );
});

test('trustedGroup: a name is looked up in the group file, an unknown one is a clear error', async () => {
  const file = join(await tempDir(), 'group');
  await writeFile(file, 'root:x:0:\nscience:x:4242:alice,bob\n');
  assert.equal(groupId('science', file), 4242);
  assert.equal(groupId('17', file), 17);
  assert.throws(
    () => groupId('physics', file),
    (error: unknown) => {
      assert.ok(error instanceof ParameterError);
      assert.match(error.message, /No group "physics" in .*group.*numeric gid/);
      return true;
    },
  );
});

test('in a cache of the trusted group, folders are made group-writable and entries group-readable', async () => {
  const gid = process.getgid!();
  const dir = await groupWritableCache(gid);
  const layout = await openCache(dir, { trustedGroup: String(gid) });
  assert.equal(layout.groupShared, true);
  assert.equal((await stat(layout.libDir)).mode & 0o7777, 0o2770);
  const key = await publishFake(layout, 'team_entry');
  for (const path of [layout.lib(key), layout.meta(key), layout.source(key, 'c++')]) {
    assert.equal((await stat(path)).mode & 0o777, 0o640, path);
  }
  // A cache of its own stays private.
  const own = await openCache(join(await tempDir(), 'own'));
  assert.equal(own.groupShared, false);
  const ownKey = await publishFake(own, 'own_entry');
  assert.equal((await stat(own.lib(ownKey))).mode & 0o777, 0o600);
});

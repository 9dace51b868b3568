import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CacheCorruptError,
  LAST_USE_RESOLUTION_MS,
  compressFrame,
  decompressFrame,
  encodeMeta,
  isPublishedFile,
  lookupEntry,
  metaBeforePublish,
  openCache,
  publishEntry,
  removeStaging,
  type CacheLayout,
  type EntryToPublish,
} from '../src/index.js';
import { tempDir } from './helpers.js';

function entry(
  key: string,
  lib = Buffer.from('not really an ELF file, but bytes all the same'),
): EntryToPublish {
  return {
    meta: {
      signature: key.replace(/-[0-9a-f]{12}$/, ''),
      key,
      language: 'c++',
      hasHeader: false,
      build: { compiler: 'c++', compilerVersion: 'test', args: [], hostSpecific: false, cpu: 'x' },
      dependencies: [],
      created: Date.now(),
      compileSeconds: 0.5,
    },
    lib,
    files: { source: Buffer.from('source') },
  };
}

async function published(): Promise<{ layout: CacheLayout; key: string }> {
  const layout = await openCache(await tempDir());
  const key = 'sig-0123456789ab';
  await publishEntry(layout, entry(key));
  return { layout, key };
}

test('a published entry is found with its meta, and staging is left empty', async () => {
  const { layout, key } = await published();
  const hit = await lookupEntry(layout, key);
  assert.ok(hit);
  assert.equal(hit.libPath, layout.lib(key));
  assert.equal(hit.meta.size, entry(key).lib.length);
  assert.match(hit.meta.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(await readdir(layout.tmpDir), []);
  assert.equal((await stat(layout.lib(key))).mode & 0o077, 0);
});

test('the meta shipped before publishing is the published meta but for the published file', async () => {
  const layout = await openCache(await tempDir());
  const key = 'sig-0123456789ab';
  const before = metaBeforePublish(entry(key));
  const hit = await publishEntry(layout, { ...entry(key), sha256: before.sha256 });
  assert.deepEqual(before.published, { ino: 0, mtimeMs: 0 });
  assert.deepEqual({ ...before, published: hit.meta.published, created: 0 }, { ...hit.meta, created: 0 });
});

test('a staging folder goes, with the files it was expected to hold and any others', async () => {
  const root = await tempDir();
  for (const [name, extra] of [
    ['expected', []],
    ['surprise', ['core.1234', 'sub/deeper']],
  ] as const) {
    const staging = join(root, name);
    await mkdir(join(staging, 'sub'), { recursive: true });
    for (const file of ['a.cpp', 'lib.so', ...extra]) await writeFile(join(staging, file), 'x');
    if (extra.length === 0) await removeStaging(join(staging, 'sub'));
    await removeStaging(staging, ['a.cpp', 'lib.so', 'not-there']);
  }
  assert.deepEqual(await readdir(root), []);
});

test('recording a use keeps the published file recognizable, so it is not hashed again', async () => {
  const { layout, key } = await published();
  const lib = layout.lib(key);
  const before = await lstat(lib);
  const longAgo = (Date.now() - 2 * LAST_USE_RESOLUTION_MS) / 1000;
  await utimes(lib, longAgo, before.mtimeMs / 1000);
  const hit = await lookupEntry(layout, key);
  assert.ok(hit);
  const after = await lstat(lib);
  assert.ok(after.atimeMs > longAgo * 1000 + LAST_USE_RESOLUTION_MS, 'the use was recorded');
  assert.ok(isPublishedFile(hit.meta, after), `mtime ${after.mtimeMs} against ${hit.meta.published.mtimeMs}`);
});

test('the published file with another mtime is hashed once and gets its mtime back', async () => {
  const { layout, key } = await published();
  const lib = layout.lib(key);
  const published_ = await lstat(lib);
  await utimes(lib, published_.atimeMs / 1000, published_.mtimeMs / 1000 - 3600);
  const hit = await lookupEntry(layout, key);
  assert.ok(hit);
  assert.ok(isPublishedFile(hit.meta, await lstat(lib)));
  // Bytes that differ from the published ones are still caught.
  await writeFile(lib, Buffer.alloc(published_.size, 1), { flag: 'r+' });
  assert.equal(await lookupEntry(layout, key), null);
});

test('a missing entry is a miss', async () => {
  const layout = await openCache(await tempDir());
  assert.equal(await lookupEntry(layout, 'nothing-0123456789ab'), null);
});

test('an empty library is a miss, not a corrupt entry: a library never is empty', async () => {
  // What a lock holder on a network file system makes for an instant when it asks the server.
  const { layout, key } = await published();
  await writeFile(layout.lib(key), '');
  const reasons: string[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e.message) }), null);
  assert.deepEqual(reasons, []);
});

test('a truncated library is detected and quarantined under the lock', async () => {
  const { layout, key } = await published();
  const handle = await open(layout.lib(key), 'r+');
  await handle.truncate(5);
  await handle.close();
  const reasons: string[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e.message) }), null);
  assert.match(reasons[0] ?? '', /has 5 bytes, its metadata says/);
  // Without the lock nothing moves; with it the entry goes to err/.
  await stat(layout.lib(key));
  assert.equal(await lookupEntry(layout, key, { underLock: true }), null);
  await assert.rejects(stat(layout.lib(key)), { code: 'ENOENT' });
  const kept = (await readdir(layout.errDir)).filter((name) => name.startsWith(`${key}.corrupt-`));
  assert.equal(kept.length, 1);
});

test('a bit flip that keeps the size is caught by the sha256', async () => {
  const { layout, key } = await published();
  const bytes = await readFile(layout.lib(key));
  bytes[3] = bytes[3]! ^ 0x10;
  await new Promise((resolve) => setTimeout(resolve, 15));
  await writeFile(layout.lib(key), bytes);
  const reasons: CacheCorruptError[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e) }), null);
  assert.match(reasons[0]?.message ?? '', /sha256/);
});

test('a library that is a symbolic link is not loaded, and is moved aside under the lock', async () => {
  const { layout, key } = await published();
  // The link points at the very file that was published, so size and hash would both pass.
  const real = join(layout.dir, 'elsewhere.so');
  await rename(layout.lib(key), real);
  await symlink(real, layout.lib(key));
  const reasons: string[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e.message) }), null);
  assert.match(reasons[0] ?? '', /is a symbolic link/);
  assert.ok((await lstat(layout.lib(key))).isSymbolicLink(), 'nothing moves without the lock');
  assert.equal(await lookupEntry(layout, key, { underLock: true }), null);
  await assert.rejects(lstat(layout.lib(key)), { code: 'ENOENT' });
  const [kept] = (await readdir(layout.errDir)).filter((name) => name.startsWith(`${key}.corrupt-`));
  assert.ok(kept);
  assert.ok((await lstat(join(layout.errDir, kept, 'lib.so'))).isSymbolicLink());
  assert.ok((await stat(real)).isFile(), 'the link target is left alone');
});

test('garbage metadata is a corrupt entry, not a crash', async () => {
  const { layout, key } = await published();
  await writeFile(layout.meta(key), Buffer.from([0xc1, 0xff, 0x00, 0x13]));
  const reasons: string[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e.message) }), null);
  assert.match(reasons[0] ?? '', /metadata/);
});

test('every lookup reads the meta as it is on disk', async () => {
  const { layout, key } = await published();
  const first = await lookupEntry(layout, key);
  assert.ok(first);
  // Rewritten in place (same inode), with another value: the next lookup sees it.
  await writeFile(layout.meta(key), encodeMeta({ ...first.meta, created: 42 }));
  assert.equal((await lookupEntry(layout, key))?.meta.created, 42);
  await unlink(layout.meta(key));
  const reasons: string[] = [];
  assert.equal(await lookupEntry(layout, key, { onCorrupt: (e) => reasons.push(e.message) }), null);
  assert.match(reasons[0] ?? '', /has no readable metadata/);
});

test('a received library whose sha256 differs is not published', async () => {
  const layout = await openCache(await tempDir());
  const key = 'recv-0123456789ab';
  await assert.rejects(
    publishEntry(layout, { ...entry(key), expectedSha256: '0'.repeat(64) }),
    CacheCorruptError,
  );
  assert.equal(await lookupEntry(layout, key), null);
  assert.deepEqual(await readdir(layout.tmpDir), []);
});

test('sources are standard lz4 frames', async () => {
  const frame = await compressFrame('int main() { return 0; }\n');
  assert.deepEqual([...frame.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
  assert.equal((await decompressFrame(frame)).toString(), 'int main() { return 0; }\n');
});

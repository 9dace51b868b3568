import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { lookupEntry, openCache, publishEntry, type EntryToPublish } from '../src/index.js';
import { tempDir } from './helpers.js';

const KEY = 'sig-0123456789ab';

function entry(created: number): EntryToPublish {
  return {
    meta: {
      signature: 'sig',
      key: KEY,
      language: 'c++',
      hasHeader: false,
      build: { compiler: 'c++', compilerVersion: 'test', args: ['-O2'], hostSpecific: false, cpu: 'x' },
      dependencies: [],
      created,
      compileSeconds: 0.5,
    },
    lib: Buffer.from('bytes of a library'),
    files: { source: Buffer.from('source') },
  };
}

test('a repeated lookup shares one frozen meta until the meta file changes', async () => {
  const layout = await openCache(await tempDir());
  await publishEntry(layout, entry(1000));
  const first = await lookupEntry(layout, KEY);
  const second = await lookupEntry(layout, KEY);
  assert.equal(second!.meta, first!.meta);
  assert.ok(Object.isFrozen(first!.meta) && Object.isFrozen(first!.meta.build.args));
  assert.throws(() => {
    (first!.meta as { created: number }).created = 0;
  }, TypeError);

  // Published again (a new file renamed over the old one): the new meta is read.
  await publishEntry(layout, entry(2000));
  assert.equal((await lookupEntry(layout, KEY))!.meta.created, 2000);

  // Rewritten in place, with other bytes: read again, and found corrupt.
  const bytes = await readFile(layout.meta(KEY));
  await writeFile(layout.meta(KEY), Buffer.alloc(bytes.length, 0xc1));
  assert.equal(await lookupEntry(layout, KEY), null);
});

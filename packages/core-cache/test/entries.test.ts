import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CacheIOError,
  EntryNotFoundError,
  ParameterError,
  compressFrame,
  extractEntry,
  listEntries,
  openCache,
  publishEntry,
  readEntry,
  resolveEntry,
  searchSources,
  summarizeEntries,
  type SourceMatch,
} from '../src/index.js';
import { publishFake } from './fake-entry.js';
import { tempDir } from './helpers.js';

test('ls lists published entries with signature, size, times and language; leftovers are not entries', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'one');
  await publishFake(layout, 'two', { language: 'c', header: '// h\n' });
  await writeFile(layout.source('half-0123456789ab', 'c++'), await compressFrame('half'));
  const entries = await listEntries(layout);
  assert.deepEqual(
    entries.map((entry) => [entry.signature, entry.key, entry.language]),
    [
      ['one', 'one-0123456789ab', 'c++'],
      ['two', 'two-0123456789ab', 'c'],
    ],
  );
  const two = entries[1]!;
  assert.equal(two.libSize, 1000);
  assert.ok(two.size > 1000, 'size counts the meta and the sources too');
  assert.ok(two.created! > Date.now() - 60_000 && two.lastUsed > Date.now() - 60_000);
  assert.deepEqual(await summarizeEntries(layout), {
    entries: 2,
    totalSize: entries[0]!.size + two.size,
  });
});

test('an entry whose meta is garbage is listed with its problem', async () => {
  const layout = await openCache(await tempDir());
  const key = await publishFake(layout, 'broken');
  await writeFile(layout.meta(key), 'not msgpack at all');
  const [entry] = await listEntries(layout);
  assert.equal(entry?.signature, 'broken');
  assert.equal(entry?.meta, undefined);
  assert.match(entry?.problem ?? '', /metadata/);
});

test('an entry is named by its key or by a signature held under one key', async () => {
  const layout = await openCache(await tempDir());
  const key = await publishFake(layout, 'named');
  assert.equal(await resolveEntry(layout, key), key);
  assert.equal(await resolveEntry(layout, 'named'), key);
  await assert.rejects(resolveEntry(layout, 'absent'), (error: unknown) => {
    assert.ok(error instanceof EntryNotFoundError);
    assert.equal(error.code, 'CACHE_ENTRY_NOT_FOUND');
    assert.ok(error.message.includes(layout.dir));
    return true;
  });
  await assert.rejects(resolveEntry(layout, '../etc/passwd'), /Invalid signature or key/);
  await publishEntry(layout, {
    meta: { ...(await readEntry(layout, key)).meta, key: 'named-ba9876543210' },
    lib: Buffer.alloc(10),
    files: { source: await compressFrame('other') },
  });
  await assert.rejects(resolveEntry(layout, 'named'), (error: unknown) => {
    assert.ok(error instanceof ParameterError);
    assert.match(error.message, /named-0123456789ab, named-ba9876543210/);
    return true;
  });
});

test('readEntry decompresses the source, header and compiler log', async () => {
  const layout = await openCache(await tempDir());
  const key = await publishFake(layout, 'readable', {
    source: 'int x;\n',
    header: 'int y;\n',
    log: 'warning: w\n',
  });
  const entry = await readEntry(layout, key);
  assert.equal(entry.source, 'int x;\n');
  assert.equal(entry.header, 'int y;\n');
  assert.equal(entry.log, 'warning: w\n');
  assert.equal(entry.meta.signature, 'readable');
});

test('grep finds a marker in the right entry only, with line numbers', async () => {
  const layout = await openCache(await tempDir());
  await publishFake(layout, 'first', { source: 'int a;\n' });
  await publishFake(layout, 'second', {
    source: 'int b;\n// MARKER_42 here\nint c;\n',
    header: 'MARKER_42\n',
  });
  await publishFake(layout, 'third', { source: 'int marker_42;\n' });
  const matches: SourceMatch[] = [];
  for await (const match of searchSources(layout, /MARKER_42/g)) matches.push(match);
  assert.deepEqual(
    matches.map((m) => [m.signature, m.file, m.line, m.text]),
    [
      ['second', 'source', 2, '// MARKER_42 here'],
      ['second', 'header', 1, 'MARKER_42'],
    ],
  );
  const first: string[] = [];
  for await (const match of searchSources(layout, /marker_42/i, { firstMatchOnly: true }))
    first.push(match.signature);
  assert.deepEqual(first, ['second', 'third']);
});

test('extract writes the source, header, library and meta as plain files and refuses to overwrite', async () => {
  const root = await tempDir();
  const layout = await openCache(join(root, 'cache'));
  const key = await publishFake(layout, 'ex', {
    source: '#include "ex.h"\n',
    header: 'int h;\n',
    log: 'note\n',
  });
  const out = join(root, 'out');
  const written = await extractEntry(layout, key, out);
  assert.deepEqual((await readdir(out)).sort(), ['ex.cpp', 'ex.h', 'ex.log', 'ex.meta.json', 'ex.so']);
  assert.equal(written.length, 5);
  assert.equal(await readFile(join(out, 'ex.cpp'), 'utf8'), '#include "ex.h"\n');
  assert.ok((await readFile(join(out, 'ex.so'))).equals(Buffer.alloc(1000, 2)));
  assert.equal(JSON.parse(await readFile(join(out, 'ex.meta.json'), 'utf8')).key, key);
  await assert.rejects(extractEntry(layout, key, out), (error: unknown) => {
    assert.ok(error instanceof CacheIOError);
    assert.match(error.message, /Not overwriting .*ex\.cpp/);
    return true;
  });
  await extractEntry(layout, key, out, { overwrite: true });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LibraryTable, factory, loadLibrary } from '../src/index.js';

let dir = '';
let libPath = '';

after(() => rm(dir, { recursive: true, force: true }));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dijitso-loader-'));
  const source = join(dir, 'obj.cpp');
  await writeFile(
    source,
    'struct Counter { int value; };\n' +
      'extern "C" void* make_counter(void) { return new Counter{41}; }\n' +
      'extern "C" int bump(void* p) { return ++static_cast<Counter*>(p)->value; }\n',
  );
  libPath = join(dir, 'obj.so');
  execFileSync('c++', ['-shared', '-fPIC', '-o', libPath, source]);
});

test('factory calls void* name(void) and its pointer goes back into other functions', () => {
  const lib = loadLibrary(libPath);
  const counter = factory(lib, 'make_counter');
  const bump = lib.func('int bump(void* p)');
  assert.equal(bump(counter), 42);
  assert.equal(bump(counter), 43);
});

test('factory refuses names that are not C identifiers', () => {
  const lib = loadLibrary(libPath);
  assert.throws(() => factory(lib, 'make counter(void); int x'), TypeError);
});

test('the table maps signatures to libraries and unloads on request', () => {
  const table = new LibraryTable();
  const lib = loadLibrary(libPath);
  table.set({ signature: 's', key: 's-0123456789ab', lib, path: libPath, paramsFingerprint: '' });
  assert.equal(table.get('s')?.lib, lib);
  assert.deepEqual(table.signatures(), ['s']);
  assert.equal(table.unload('s'), true);
  assert.equal(table.get('s'), undefined);
  assert.equal(table.unload('s'), false);
  assert.equal(table.size, 0);
});

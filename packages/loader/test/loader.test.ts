import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LibraryTable, factory, loadLibrary, loaderReady } from '../src/index.js';

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

test('koffi is imported on first need, as the instance a program imports itself', () => {
  // A fresh process: is koffi's native module mapped after importing the loader, and after loaderReady?
  const probe = `
    import { readFileSync } from 'node:fs';
    const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes('koffi');
    const loader = await import(${JSON.stringify(new URL('../src/index.js', import.meta.url).href)});
    const before = mapped();
    await loader.loaderReady();
    console.log(JSON.stringify([before, mapped()]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), [false, true]);
});

test('a loaded library takes types made with the koffi a program imports', async () => {
  await loaderReady();
  const { default: koffi } = await import('koffi');
  const lib = await loadLibrary(libPath);
  const Counter = koffi.opaque();
  const make = lib.func('make_counter', koffi.pointer(Counter), []);
  const bump = lib.func('bump', 'int', [koffi.pointer(Counter)]);
  assert.equal(bump(make()), 42);
});

test('factory calls void* name(void) and its pointer goes back into other functions', async () => {
  const lib = await loadLibrary(libPath);
  const counter = factory(lib, 'make_counter');
  const bump = lib.func('int bump(void* p)');
  assert.equal(bump(counter), 42);
  assert.equal(bump(counter), 43);
});

test('factory refuses names that are not C identifiers', async () => {
  const lib = await loadLibrary(libPath);
  assert.throws(() => factory(lib, 'make counter(void); int x'), TypeError);
});

test('the table maps signatures to libraries and unloads on request', async () => {
  const table = new LibraryTable();
  const lib = await loadLibrary(libPath);
  table.set({
    signature: 's',
    key: 's-0123456789ab',
    lib,
    path: libPath,
    cacheDir: dir,
    countAs: 1,
    fingerprint: '',
  });
  assert.equal(table.get('s')?.lib, lib);
  assert.deepEqual(table.signatures(), ['s']);
  assert.equal(table.unload('s'), true);
  assert.equal(table.get('s'), undefined);
  assert.equal(table.unload('s'), false);
  assert.equal(table.size, 0);
});

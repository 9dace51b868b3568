import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CacheCorruptError, checkMeta, decodeMeta, encodeMeta, type EntryMeta } from '../src/index.js';

const meta: EntryMeta = {
  v: 1,
  signature: 'sig',
  key: 'sig-0123456789ab',
  language: 'c++',
  size: 10,
  sha256: 'a'.repeat(64),
  hasHeader: false,
  build: { compiler: 'c++', compilerVersion: 'g++ 12', args: ['-O2'], hostSpecific: false, cpu: 'x64-0' },
  dependencies: [],
  created: 1,
  compileSeconds: 0.5,
  builtOn: 'node1',
  published: { ino: 1, mtimeMs: 2 },
};

test("the compiler's file and the target are recorded when given, and optional", () => {
  assert.deepEqual(checkMeta(meta, 'older entry'), meta);
  const recorded: EntryMeta = {
    ...meta,
    build: {
      ...meta.build,
      compilerFile: { path: '/usr/bin/x86_64-linux-gnu-g++-12', size: 1_000_000, mtimeMs: 1.7e12 },
      target: { arch: 'x64', platform: 'linux' },
    },
  };
  assert.deepEqual(decodeMeta(encodeMeta(recorded), 'new entry'), recorded);
});

test('a mistyped compiler file or target is a corrupt meta', () => {
  const bad = [
    { compilerFile: '/usr/bin/g++' },
    { compilerFile: null },
    { compilerFile: { path: '/usr/bin/g++', size: '1', mtimeMs: 1 } },
    { compilerFile: { path: '/usr/bin/g++', size: 1, mtimeMs: Number.NaN } },
    { compilerFile: { size: 1, mtimeMs: 1 } },
    { target: 'x64-linux' },
    { target: { arch: 'x64' } },
  ];
  for (const fields of bad) {
    assert.throws(
      () => checkMeta({ ...meta, build: { ...meta.build, ...fields } }, 'lib/sig.meta'),
      (error: unknown) =>
        error instanceof CacheCorruptError && /lib\/sig\.meta: field "build"/.test(error.message),
      JSON.stringify(fields),
    );
  }
});

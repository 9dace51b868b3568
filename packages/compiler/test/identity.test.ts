import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CompilerNotFoundError,
  buildHash,
  buildIdentity,
  compilerIdentity,
  effectiveBuild,
  resolveCompilerIdentity,
} from '../src/index.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dijitso-identity-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A compiler wrapper: any executable file is a compiler as far as the key is concerned.
function wrapper(dir: string, name = 'cxx'): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\nexec c++ "$@"\n', { mode: 0o755 });
  return path;
}

const keyOf = (cxx: string): string => {
  const params = effectiveBuild({ cxx });
  return buildHash(params, buildIdentity(params));
};

test('the same compiler gives the same key; a copy elsewhere or a touched one another', () => {
  const dir = tempDir();
  const original = wrapper(dir);
  const copy = join(tempDir(), 'cxx');
  copyFileSync(original, copy);
  chmodSync(copy, 0o755);
  utimesSync(copy, new Date(), new Date(2020, 0, 1));
  const first = resolveCompilerIdentity(original);
  assert.deepEqual(resolveCompilerIdentity(original), first);
  assert.notEqual(resolveCompilerIdentity(copy).path, first.path);

  const params = effectiveBuild({ cxx: 'cxx' });
  const target = { arch: process.arch, platform: process.platform };
  const cc = resolveCompilerIdentity('cc');
  const hashWith = (cxx: ReturnType<typeof resolveCompilerIdentity>): string =>
    buildHash(params, { cc, cxx, target });
  const before = hashWith(first);
  assert.equal(hashWith(resolveCompilerIdentity(original)), before);
  assert.notEqual(hashWith(resolveCompilerIdentity('cxx', join(copy, '..'))), before);
  utimesSync(original, new Date(), new Date(2021, 5, 1));
  assert.notEqual(hashWith(resolveCompilerIdentity(original)), before, 'a touched compiler');
});

test('a command is looked up on PATH like execFile, symlinks followed to the real file', () => {
  const empty = tempDir();
  const notExecutable = tempDir();
  writeFileSync(join(notExecutable, 'mycc'), 'not a program\n', { mode: 0o644 });
  const real = tempDir();
  const target = wrapper(real, 'gcc-12');
  const links = tempDir();
  symlinkSync(target, join(links, 'mycc'));
  const identity = resolveCompilerIdentity('mycc', [empty, notExecutable, links, real].join(':'));
  assert.equal(identity.command, 'mycc');
  assert.equal(identity.path, target);
  assert.ok(identity.size > 0 && identity.mtimeMs > 0);
});

test('a missing compiler is a CompilerNotFoundError naming the command, PATH and the remedy', () => {
  const dir = tempDir();
  assert.throws(
    () => resolveCompilerIdentity('no-such-cxx', dir),
    (error: unknown) => {
      assert.ok(error instanceof CompilerNotFoundError);
      assert.equal(error.code, 'COMPILER_NOT_FOUND');
      assert.equal(error.command, 'no-such-cxx');
      assert.ok(error.message.includes(`PATH (${dir})`), error.message);
      assert.match(error.message, /apt-get install g\+\+.*\$CXX/);
      return true;
    },
  );
  assert.throws(() => keyOf(join(dir, 'missing')), /"[^"]*missing" is not an executable file in that path/);
  // A directory is not a compiler.
  assert.throws(() => resolveCompilerIdentity(dir), CompilerNotFoundError);
});

test('the identity is resolved once per command per process', () => {
  const compiler = wrapper(tempDir());
  const key = keyOf(compiler);
  const first = compilerIdentity(compiler);
  // Documented: a compiler replaced during the process's life is seen by the next process.
  utimesSync(compiler, new Date(), new Date(2019, 0, 1));
  assert.equal(compilerIdentity(compiler), first);
  assert.equal(keyOf(compiler), key);
  assert.notEqual(resolveCompilerIdentity(compiler).mtimeMs, first.mtimeMs);
});

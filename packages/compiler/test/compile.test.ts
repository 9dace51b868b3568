import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCache } from '@dijitso/core-cache';
import {
  CompilerNotFoundError,
  JitCompileError,
  compile,
  effectiveBuild,
  resolveBuild,
} from '../src/index.js';

async function layout() {
  const dir = await mkdtemp(join(tmpdir(), 'dijitso-compile-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return openCache(dir);
}

test('compiles a C++ source into a shared library and records the build', async () => {
  const cache = await layout();
  const result = await compile({
    layout: cache,
    key: 'ok-0123456789ab',
    signature: 'ok',
    build: resolveBuild(effectiveBuild({}), 'c++'),
    source: '#include "ok.h"\nextern "C" int answer() { return ANSWER; }\n',
    header: '#define ANSWER 42\n',
  });
  assert.deepEqual([...result.lib.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(result.record.compiler, 'c++');
  assert.ok(result.record.args.includes('-std=c++17'));
  // The file `c++` runs, symlinks followed, as the key covers it.
  assert.equal(result.record.compilerFile?.path, realpathSync(result.record.compilerFile?.path ?? ''));
  assert.notEqual(result.record.compilerFile?.path, '/usr/bin/c++');
  assert.ok((result.record.compilerFile?.size ?? 0) > 0);
  assert.deepEqual(result.record.target, { arch: process.arch, platform: process.platform });
  assert.ok(result.seconds > 0);
  assert.deepEqual(await readdir(cache.tmpDir), []);
});

test('whileCompiling runs while the compiler does', async () => {
  const cache = await layout();
  const folder = await mkdtemp(join(tmpdir(), 'dijitso-overlap-'));
  after(() => rm(folder, { recursive: true, force: true }));
  const started = join(folder, 'started');
  const go = join(folder, 'go');
  // A compiler that says when it starts and compiles only once whileCompiling lets it: run
  // before the compiler, whileCompiling never sees it start; run after it, the compile never ends.
  const wrapper = join(folder, 'cxx');
  await writeFile(
    wrapper,
    `#!/bin/sh\ncase "$1" in --version) exec c++ --version;; esac\n` +
      `touch '${started}'\nwhile [ ! -f '${go}' ]; do sleep 0.01; done\nexec c++ "$@"\n`,
    { mode: 0o755 },
  );
  let sawCompilerRunning = false;
  await compile({
    layout: cache,
    key: 'overlap-0123456789ab',
    signature: 'overlap',
    build: resolveBuild(effectiveBuild({ cxx: wrapper }), 'c++'),
    source: 'extern "C" int one() { return 1; }\n',
    whileCompiling: async () => {
      for (let tries = 0; tries < 1000 && !sawCompilerRunning; tries++) {
        sawCompilerRunning = await access(started).then(
          () => true,
          () => false,
        );
        if (!sawCompilerRunning) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await writeFile(go, '');
    },
  });
  assert.equal(sawCompilerRunning, true);
});

test('a compile error names the line, shows the source and keeps the failed build', async () => {
  const cache = await layout();
  const source = 'extern "C" int f() {\n  int x = 1;\n  return x + undeclared_thing;\n}\n';
  const error = await compile({
    layout: cache,
    key: 'broken-0123456789ab',
    signature: 'broken',
    build: resolveBuild(effectiveBuild({}), 'c++'),
    source,
  }).then(
    () => assert.fail('should not compile'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof JitCompileError);
  assert.equal(error.code, 'JIT_COMPILE_FAILED');
  const first = error.diagnostics.find((d) => d.severity === 'error');
  assert.equal(first?.file, 'broken.cpp');
  assert.equal(first?.line, 3);
  assert.match(first?.message ?? '', /undeclared_thing/);
  assert.match(error.message, /broken\.cpp:3:\d+: error: .*undeclared_thing/);
  assert.match(error.message, /3 \| {3}return x \+ undeclared_thing;/);
  assert.equal(error.failurePath, cache.failure('broken-0123456789ab'));
  const kept = (await readdir(error.failurePath!)).sort();
  assert.deepEqual(kept, ['broken.cpp', 'command.json', 'command.sh', 'output.txt']);
  assert.equal(await readFile(join(error.failurePath!, 'broken.cpp'), 'utf8'), source);
  assert.match(await readFile(join(error.failurePath!, 'output.txt'), 'utf8'), /undeclared_thing/);
});

test('a missing compiler is an error naming the command tried', async () => {
  const cache = await layout();
  await assert.rejects(
    compile({
      layout: cache,
      key: 'x-0123456789ab',
      signature: 'x',
      build: resolveBuild(effectiveBuild({ cc: '/nonexistent/cc' }), 'c'),
      source: 'int f(void) { return 1; }\n',
    }),
    (error: unknown) => {
      assert.ok(error instanceof CompilerNotFoundError);
      assert.equal(error.command, '/nonexistent/cc');
      assert.match(error.message, /\/nonexistent\/cc/);
      return true;
    },
  );
  assert.deepEqual(await readdir(cache.tmpDir), []);
});

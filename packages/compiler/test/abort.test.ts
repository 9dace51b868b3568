import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openCache } from '@dijitso/core-cache';
import { compile, effectiveBuild, resolveBuild } from '../src/index.js';
import { descendantsOf, processStat } from '../src/process-tree.js';

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves with the descendants of this process once one of them runs a command named `name`. */
async function whenRunning(name: string): Promise<number[]> {
  for (let i = 0; i < 500; i++) {
    const found = descendantsOf(process.pid);
    if (found.some((pid) => processStat(pid)?.command === name)) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${name} never started`);
}

/** True while `pid` runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  const stat = processStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

const LONG_SOURCE = (() => {
  const lines = Array.from(
    { length: 4000 },
    (_, i) => `  acc = acc * ${1 + (i % 7)}.5 + x / ${2 + (i % 5)}.25;`,
  );
  return `extern "C" double slow(double x) {\n  double acc = 0;\n${lines.join('\n')}\n  return acc;\n}\n`;
})();

test(
  'an aborted compile stops the compiler and what it started, and keeps nothing',
  { skip: !existsSync('/proc/self/stat') },
  async () => {
    const cache = await openCache(await tempDir('dijitso-abort-'));
    const temps = await tempDir('dijitso-abort-tmp-');
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = temps; // where the driver puts its assembler files, deleted as it stops
    after(() => (savedTmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = savedTmp)));
    const controller = new AbortController();
    const compiling = compile({
      layout: cache,
      key: 'slow-0123456789ab',
      signature: 'slow',
      build: resolveBuild(effectiveBuild({}), 'c++'),
      source: LONG_SOURCE,
      signal: controller.signal,
    });
    const started = await whenRunning('cc1plus');
    controller.abort();
    await assert.rejects(compiling, { name: 'AbortError' });
    assert.deepEqual(
      started.filter((pid) => running(pid)),
      [],
      'no compiler process is left running',
    );
    assert.deepEqual(await readdir(cache.tmpDir), [], 'the staging folder is gone');
    assert.equal(existsSync(cache.failure('slow-0123456789ab')), false, 'nothing is kept as a failure');
    assert.deepEqual(await readdir(temps), [], "the driver's temporary files are gone");
  },
);

test('a compile aborted before it starts never runs the compiler', async () => {
  const cache = await openCache(await tempDir('dijitso-abort-'));
  const marker = join(await tempDir('dijitso-abort-marker-'), 'ran');
  const compiler = join(await tempDir('dijitso-abort-cc-'), 'cc-that-records');
  await writeFile(compiler, `#!/bin/sh\ntouch '${marker}'\nexec c++ "$@"\n`);
  await chmod(compiler, 0o755);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    compile({
      layout: cache,
      key: 'never-0123456789ab',
      signature: 'never',
      build: resolveBuild(effectiveBuild({ cxx: compiler }), 'c++'),
      source: 'int x;\n',
      signal: controller.signal,
    }),
    { name: 'AbortError' },
  );
  assert.equal(existsSync(marker), false);
  assert.deepEqual(await readdir(cache.tmpDir), []);
});

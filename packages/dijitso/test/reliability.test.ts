import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chown, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { forgetOpenedCaches } from '@dijitso/core-cache';
import { CacheIOError, CacheUnsafeError, jit, unload } from '../src/index.js';
import { counting, tempDir } from './helpers.js';

const MANY = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'many.js');
const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

function runMany(args: string[]): Promise<Array<{ signature: string; origin: string; result: number }>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MANY, ...args], (error, stdout, stderr) => {
      if (error) reject(new Error(`worker failed: ${stderr}`, { cause: error }));
      else resolve(JSON.parse(stdout));
    });
  });
}

async function lines(path: string): Promise<number> {
  return (await readFile(path, 'utf8')).trim().split('\n').length;
}

test('16 processes x 6 signatures in different orders: each signature generated once', async () => {
  const dir = await tempDir();
  const counters = join(dir, 'counters');
  await mkdir(counters);
  const signatures = ['s_alpha', 's_bravo', 's_charlie', 's_delta', 's_echo', 's_foxtrot'];
  const runs = await Promise.all(
    Array.from({ length: 16 }, (_, p) => {
      const order = signatures.map((_, i) => signatures[(i + p) % signatures.length]!);
      if (p % 2) order.reverse();
      return runMany([join(dir, 'cache'), counters, '10000', '0', ...order]);
    }),
  );
  for (const signature of signatures) assert.equal(await lines(join(counters, signature)), 1, signature);
  for (const run of runs) {
    for (const { signature, result } of run) assert.equal(result, signature.length * 1000 + 7);
  }
  const libs = (await readdir(join(dir, 'cache', 'lib'))).filter((name) => name.endsWith('.so'));
  assert.equal(libs.length, 6);
});

test('a builder killed with SIGKILL mid-build is taken over by the next process', async () => {
  const dir = await tempDir();
  const counters = join(dir, 'counters');
  await mkdir(counters);
  const cache = join(dir, 'cache');
  const victim = spawn(process.execPath, [MANY, cache, counters, '2000', '60000', 'killed_builder'], {
    stdio: 'ignore',
  });
  const marker = join(counters, 'killed_builder.started');
  for (let i = 0; i < 200; i++) {
    if (await stat(marker).catch(() => null)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  victim.kill('SIGKILL');
  await new Promise((resolve) => victim.once('exit', resolve));
  const started = Date.now();
  const [result] = await runMany([cache, counters, '2000', '0', 'killed_builder']);
  const tookMs = Date.now() - started;
  assert.equal(result?.origin, 'built');
  assert.equal(result?.result, 'killed_builder'.length * 1000 + 7);
  assert.ok(tookMs < 30_000, `takeover took ${tookMs} ms`);
  assert.equal(await lines(join(counters, 'killed_builder')), 2);
  const libs = (await readdir(join(cache, 'lib'))).filter((name) => name.endsWith('.so'));
  assert.deepEqual(libs.length, 1);
});

test('a truncated library and garbage metadata are healed by a rebuild', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const first = await jit({ signature: 'heal_me', generate, params: { cache: { dir } } });
  unload('heal_me');
  const handle = await open(first.path, 'r+');
  await handle.truncate(100);
  await handle.close();
  const healed = await jit({ signature: 'heal_me', generate, params: { cache: { dir } } });
  assert.equal(healed.origin, 'built');
  assert.equal(healed.lib.func('int add(int a, int b)')(1, 2), 3);
  unload('heal_me');
  await writeFile(join(dir, 'lib', `${first.key}.meta`), 'not msgpack at all');
  const again = await jit({ signature: 'heal_me', generate, params: { cache: { dir } } });
  assert.equal(again.origin, 'built');
  assert.equal(generate.calls, 3);
  const quarantined = (await readdir(join(dir, 'err'))).filter((name) => name.includes('.corrupt-'));
  assert.equal(quarantined.length, 2);
});

test(
  'a cache directory owned by another user is refused, naming it',
  { skip: process.getuid?.() !== 0 && 'needs root to chown' },
  async () => {
    const dir = join(await tempDir(), 'theirs');
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, 65534, 65534);
    forgetOpenedCaches();
    await assert.rejects(
      jit({ signature: 'planted', generate: counting(ADD), params: { cache: { dir } } }),
      (error: unknown) => {
        assert.ok(error instanceof CacheUnsafeError);
        assert.ok(error.message.includes(dir));
        assert.match(error.message, /owned by uid 65534/);
        return true;
      },
    );
  },
);

test(
  'a full disk is an error about space, and nothing is published',
  { skip: process.getuid?.() !== 0 && 'needs root to mount a tmpfs' },
  async () => {
    const dir = join(await tempDir(), 'small');
    await mkdir(dir, { mode: 0o700 });
    const mount = (args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile(args[0]!, args.slice(1), (error) => (error ? reject(error) : resolve())),
      );
    await mount(['mount', '-t', 'tmpfs', '-o', 'size=96k,mode=0700', 'tmpfs', dir]);
    try {
      // Big enough that the library cannot fit in what is left.
      const body = Array.from(
        { length: 3000 },
        (_, i) => `extern "C" double f${i}(double x) { return x * ${i}.5 + ${i}; }`,
      ).join('\n');
      await assert.rejects(
        jit({ signature: 'too_big', generate: () => ({ source: body }), params: { cache: { dir } } }),
        (error: unknown) => {
          assert.ok(error instanceof CacheIOError, String(error));
          assert.match(error.message, /space/);
          return true;
        },
      );
      assert.deepEqual(
        (await readdir(join(dir, 'lib'))).filter((name) => name.endsWith('.so')),
        [],
      );
    } finally {
      await mount(['umount', dir]);
    }
  },
);

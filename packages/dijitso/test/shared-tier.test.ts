import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readStats } from '@dijitso/core-cache';
import { CacheUnsafeError, ParameterError, forgetOpenedCaches, openCache } from '@dijitso/core-cache/runtime';
import { jit, unload } from '../src/index.js';

/** A fresh temporary directory, removed when the test file ends. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dijitso-tier-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A generate callback returning `source` and counting its calls. */
function counting(source: string): { (): { source: string }; calls: number } {
  const generate = (): { source: string } => {
    generate.calls += 1;
    return { source };
  };
  generate.calls = 0;
  return generate;
}

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function listing(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true });
  const described = await Promise.all(
    files.sort().map(async (file) => {
      const info = await stat(join(dir, file));
      return `${file} ${info.size} ${info.mtimeMs}`;
    }),
  );
  return described;
}

test('a build is published to the local and the shared tier', async () => {
  const root = await tempDir();
  const shared = join(root, 'shared');
  const generate = counting(ADD);
  const built = await jit({
    signature: 'tier_build',
    generate,
    params: { cache: { dir: join(root, 'local'), shared } },
  });
  assert.equal(built.origin, 'built');
  assert.equal(built.path, join(root, 'local', 'lib', `${built.key}.so`));
  const copy = await readFile(join(shared, 'lib', `${built.key}.so`));
  assert.equal(sha256(copy), sha256(await readFile(built.path)));
  await stat(join(shared, 'lib', `${built.key}.meta`));
  assert.equal(generate.calls, 1);
  unload('tier_build');
});

test('a local miss and a shared hit: copied, checked, loaded from the local copy, origin shared', async () => {
  const root = await tempDir();
  const shared = join(root, 'shared');
  const generate = counting(ADD);
  const first = await jit({
    signature: 'tier_hit',
    generate,
    params: { cache: { dir: join(root, 'a'), shared } },
  });
  unload('tier_hit');
  const fresh = join(root, 'b');
  const second = await jit({ signature: 'tier_hit', generate, params: { cache: { dir: fresh, shared } } });
  assert.equal(second.origin, 'shared');
  assert.equal(generate.calls, 1);
  assert.equal(second.path, join(fresh, 'lib', `${first.key}.so`));
  assert.equal(second.lib.func('int add(int a, int b)')(20, 22), 42);
  assert.equal(sha256(await readFile(second.path)), sha256(await readFile(first.path)));
  const stats = await readStats(await openCache(fresh));
  assert.equal(stats.counters.sharedHits, 1);
  assert.ok(stats.counters.sharedBytes >= (await stat(second.path)).size);
  assert.equal(stats.counters.builds, 0);
  unload('tier_hit');
  // The local copy now serves a later process's lookup before the shared tier is looked at.
  const third = await jit({ signature: 'tier_hit', generate, params: { cache: { dir: fresh, shared } } });
  assert.equal(third.origin, 'disk');
  unload('tier_hit');
});

test('a corrupt shared entry is never copied: reported, quarantined, rebuilt and published again', async () => {
  const root = await tempDir();
  const shared = join(root, 'shared');
  const generate = counting(ADD);
  const first = await jit({
    signature: 'tier_bad',
    generate,
    params: { cache: { dir: join(root, 'a'), shared } },
  });
  unload('tier_bad');
  // An in-place edit that keeps size and mtime: only the sha256 of what is read can tell.
  const sharedLib = join(shared, 'lib', `${first.key}.so`);
  const before = await stat(sharedLib);
  const bytes = await readFile(sharedLib);
  bytes.fill(0x90, 64, 96);
  await writeFile(sharedLib, bytes);
  await utimes(sharedLib, before.atime, before.mtime);
  const warnings: Error[] = [];
  const onWarning = (warning: Error): number => warnings.push(warning);
  process.on('warning', onWarning);
  const fresh = join(root, 'b');
  let second;
  try {
    second = await jit({ signature: 'tier_bad', generate, params: { cache: { dir: fresh, shared } } });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(second.origin, 'built');
  assert.equal(generate.calls, 2);
  assert.equal(second.lib.func('int add(int a, int b)')(1, 2), 3);
  assert.notEqual(sha256(await readFile(second.path)), sha256(bytes));
  assert.ok(warnings.some((w) => (w as NodeJS.ErrnoException).code === 'DIJITSO_SHARED_CORRUPT'));
  assert.match(String(warnings.find((w) => /corrupt/.test(w.message))?.message), /sha256/);
  const quarantined = (await readdir(join(shared, 'err'))).filter((name) => name.includes('.corrupt-'));
  assert.equal(quarantined.length, 1);
  assert.equal(sha256(await readFile(join(shared, 'err', quarantined[0]!, 'lib.so'))), sha256(bytes));
  // The rebuilt entry replaced it in the shared tier.
  assert.equal(sha256(await readFile(sharedLib)), sha256(await readFile(second.path)));
  const stats = await readStats(await openCache(fresh));
  assert.equal(stats.counters.sharedCorrupt, 1);
  assert.equal(stats.counters.sharedHits, 0);
  unload('tier_bad');
});

const WORKER = new URL('./fixtures/worker.js', import.meta.url).pathname;

// The worker fixture in a mount namespace of its own where `shared` is a read-only bind mount
// (root passes every permission check); other users get the directory made read-only by mode.
function runReadOnly(
  shared: string,
  args: string[],
): Promise<{ origin: string; result: number; stderr: string }> {
  const env = { ...process.env, DIJITSO_SHARED_CACHE_DIR: shared };
  const asRoot = process.getuid?.() === 0;
  const script = `mount --bind -o ro "$0" "$0" && exec "$@"`;
  const [command, argv] = asRoot
    ? ['unshare', ['--mount', 'sh', '-c', script, shared, process.execPath, WORKER, ...args]]
    : [process.execPath, [WORKER, ...args]];
  return new Promise((resolve, reject) => {
    execFile(command, argv as string[], { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`worker failed: ${stderr}`, { cause: error }));
      else resolve({ ...JSON.parse(stdout), stderr });
    });
  });
}

test('a read-only shared tier: a hit is copied (no compile), a miss builds locally, nothing is written to it', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root for a read-only bind mount in a private mount namespace');
    return;
  }
  const root = await tempDir();
  const shared = join(root, 'shared');
  const counter = join(root, 'generate-calls');
  // Empty and read-only (not even its folders exist): one compile, into the local tier.
  await openCache(shared);
  forgetOpenedCaches();
  for (const name of await readdir(shared)) await rm(join(shared, name), { recursive: true });
  const empty = await listing(shared);
  const cold = await runReadOnly(shared, [join(root, 'a'), counter, 'tier_ro_cold', '3']);
  assert.deepEqual([cold.origin, cold.result], ['built', 4]);
  assert.deepEqual(await listing(shared), empty);
  assert.doesNotMatch(cold.stderr, /Warning/);
  // Warm (filled while writable) and read-only: copied, no compile.
  await jit({
    signature: 'tier_ro_warm',
    generate: () => ({ source: 'extern "C" int kernel(int x) { return x + 5; }\n' }),
    params: { cache: { dir: join(root, 'filler'), shared } },
  });
  unload('tier_ro_warm');
  const warm = await listing(shared);
  const hit = await runReadOnly(shared, [join(root, 'b'), counter, 'tier_ro_warm', '5']);
  assert.deepEqual([hit.origin, hit.result], ['shared', 6]);
  assert.equal((await readFile(counter, 'utf8')).trim().split('\n').length, 1);
  assert.deepEqual(await listing(shared), warm);
});

test('a shared tier its group can write is used only with cache.trustedGroup naming that group', async () => {
  const root = await tempDir();
  const shared = join(root, 'team');
  await openCache(shared);
  forgetOpenedCaches();
  await chmod(shared, 0o770);
  const generate = counting(ADD);
  const params = { cache: { dir: join(root, 'a'), shared } };
  await assert.rejects(
    jit({ signature: 'tier_group', generate, params }),
    (error: unknown) => error instanceof CacheUnsafeError && error.path === shared,
  );
  const trusted = { cache: { ...params.cache, trustedGroup: String(process.getgid!()) } };
  const built = await jit({ signature: 'tier_group', generate, params: trusted });
  assert.equal(built.origin, 'built');
  await stat(join(shared, 'lib', `${built.key}.so`));
  unload('tier_group');
  await assert.rejects(
    jit({
      signature: 'tier_group',
      generate,
      params: { cache: { ...trusted.cache, trustedGroup: 'no group named so' } },
    }),
    ParameterError,
  );
});

const BIN = new URL('../../bin/dijitso.js', import.meta.url).pathname;

function dijitso(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env, ...env };
  for (const name of ['DIJITSO_CACHE_DIR', 'DIJITSO_SHARED_CACHE_DIR', 'DIJITSO_CONFIG']) {
    if (env[name] === undefined) delete clean[name];
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: clean }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('the CLI works on either tier (--shared) and stats counts copies from the shared tier', async () => {
  const root = await tempDir();
  const shared = join(root, 'shared');
  const generate = counting(ADD);
  const built = await jit({
    signature: 'tier_cli',
    generate,
    params: { cache: { dir: join(root, 'a'), shared } },
  });
  unload('tier_cli');
  const fresh = join(root, 'b');
  await jit({ signature: 'tier_cli', generate, params: { cache: { dir: fresh, shared } } });
  unload('tier_cli');
  const env = { DIJITSO_CACHE_DIR: fresh, DIJITSO_SHARED_CACHE_DIR: shared };
  const stats = await dijitso(env, 'stats', '--json');
  assert.equal(stats.code, 0, stats.stderr);
  const counters = JSON.parse(stats.stdout);
  assert.equal(counters.cacheDir, fresh);
  assert.equal(counters.sharedHits, 1);
  assert.ok(counters.sharedBytes > 0);
  const text = await dijitso(env, 'stats');
  assert.match(text.stdout, /copied from the shared tier\s+1 entry/);
  const listed = await dijitso(env, '--shared', 'ls', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    JSON.parse(listed.stdout).map((entry: { key: string }) => entry.key),
    [built.key],
  );
  const sharedStats = await dijitso(env, 'stats', '--shared', '--json');
  assert.equal(JSON.parse(sharedStats.stdout).cacheDir, shared);
  const without = await dijitso({ DIJITSO_CACHE_DIR: fresh }, '--shared', 'ls');
  assert.equal(without.code, 2);
  assert.match(without.stderr, /--shared needs a shared tier.*DIJITSO_SHARED_CACHE_DIR/);
});

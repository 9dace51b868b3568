import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { flushStats } from '@dijitso/core-cache';
import { JitCompileError, jit } from '../src/index.js';
import { tempDir } from './helpers.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'dijitso.js');
const SIGNATURES = ['cli_alpha', 'cli_beta', 'cli_gamma'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real `dijitso` executable. */
function dijitso(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  for (const name of ['DIJITSO_CACHE_DIR', 'DIJITSO_SHARED_CACHE_DIR', 'DIJITSO_CONFIG']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const root = await tempDir('dijitso-cli-');
let template: { dir: string; keys: string[] };

// Three entries built through the API once; `cli_beta`'s source holds a marker. Tests work on copies.
before(async () => {
  const dir = join(root, 'template');
  const keys: string[] = [];
  for (const [index, signature] of SIGNATURES.entries()) {
    const marker = signature === 'cli_beta' ? '// UNIQUE_MARKER_7f3a\n' : '';
    const { key } = await jit({
      signature,
      generate: () => ({ source: `${marker}extern "C" int value() { return ${index}; }\n` }),
      params: { cache: { dir } },
    });
    keys.push(key);
  }
  template = { dir, keys };
});

/** A private copy of the three-entry cache. */
async function cacheWithThreeEntries(): Promise<{ dir: string; keys: string[] }> {
  const dir = join(await tempDir('dijitso-cli-'), 'cache');
  await cp(template.dir, dir, { recursive: true });
  return { dir, keys: template.keys };
}

test('ls and ls --json list the three entries', async () => {
  const { dir, keys } = await cacheWithThreeEntries();
  const plain = await dijitso('--cache-dir', dir, 'ls');
  assert.equal(plain.code, 0, plain.stderr);
  for (const key of keys) assert.ok(plain.stdout.includes(key), `${key} in\n${plain.stdout}`);
  const json = await dijitso('ls', '--json', '--cache-dir', dir);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as Array<{
    signature: string;
    key: string;
    size: number;
    language: string;
  }>;
  assert.deepEqual(rows.map((row) => row.signature).sort(), SIGNATURES);
  assert.deepEqual(rows.map((row) => row.key).sort(), [...keys].sort());
  assert.ok(rows.every((row) => row.size > 0 && row.language === 'c++'));
});

test('show prints meta, build command and source; --source the source alone; a missing entry fails', async () => {
  const { dir, keys } = await cacheWithThreeEntries();
  const shown = await dijitso('--cache-dir', dir, 'show', 'cli_beta');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /UNIQUE_MARKER_7f3a/);
  assert.match(shown.stdout, /build command/);
  assert.match(
    shown.stdout,
    new RegExp(`compiler file +/\\S+, \\d+ bytes\\ntarget +${process.arch}-${process.platform}`),
  );
  assert.ok(shown.stdout.includes(keys[1]!));
  const source = await dijitso('--cache-dir', dir, 'show', '--source', keys[1]!);
  assert.equal(source.stdout, '// UNIQUE_MARKER_7f3a\nextern "C" int value() { return 1; }\n');
  const missing = await dijitso('--cache-dir', dir, 'show', 'no_such_entry');
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /No entry no_such_entry in the cache/);
});

test('grep finds the marker in the right entry only', async () => {
  const { dir } = await cacheWithThreeEntries();
  const found = await dijitso('--cache-dir', dir, 'grep', 'UNIQUE_MARKER_7f3a');
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, 'cli_beta:1: // UNIQUE_MARKER_7f3a\n');
  const names = await dijitso('--cache-dir', dir, 'grep', '--signatures-only', 'return [02]');
  assert.deepEqual(names.stdout.trim().split('\n'), ['cli_alpha', 'cli_gamma']);
  const none = await dijitso('--cache-dir', dir, 'grep', 'absent_text');
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.equal((await dijitso('--cache-dir', dir, 'grep', '(')).code, 2);
});

test('extract writes the source, header, library and meta', async () => {
  const { dir } = await cacheWithThreeEntries();
  const out = join(dirname(dir), 'extracted');
  const run = await dijitso('--cache-dir', dir, 'extract', 'cli_beta', out);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((await readdir(out)).sort(), ['cli_beta.cpp', 'cli_beta.meta.json', 'cli_beta.so']);
  assert.match(await readFile(join(out, 'cli_beta.cpp'), 'utf8'), /UNIQUE_MARKER_7f3a/);
  assert.equal(
    (await dijitso('--cache-dir', dir, 'extract', 'cli_beta', out)).code,
    1,
    'no silent overwrite',
  );
});

test('stats --json counts the hits and misses of every process', async () => {
  const { dir } = await cacheWithThreeEntries();
  // The copy holds the counts of the template's builds, written as each build finished.
  assert.equal((await dijitso('--cache-dir', dir, 'stats', '--zero')).code, 0);
  const params = { cache: { dir } };
  const unused = () => ({ source: 'unused' });
  assert.equal((await jit({ signature: 'cli_alpha', generate: unused, params })).origin, 'disk');
  assert.equal((await jit({ signature: 'cli_alpha', generate: unused, params })).origin, 'memory');
  const source = 'extern "C" int fresh() { return 9; }\n';
  assert.equal((await jit({ signature: 'cli_new', generate: () => ({ source }), params })).origin, 'built');
  await flushStats();
  const run = await dijitso('--cache-dir', dir, 'stats', '--json');
  assert.equal(run.code, 0, run.stderr);
  const stats = JSON.parse(run.stdout);
  assert.equal(typeof stats.hits, 'number');
  assert.equal(typeof stats.misses, 'number');
  assert.equal(stats.hits, 2);
  assert.equal(stats.memoryHits, 1);
  assert.equal(stats.diskHits, 1);
  assert.equal(stats.misses, 1);
  assert.equal(stats.builds, 1);
  assert.equal(stats.failures, 0);
  assert.ok(stats.compileSeconds > 0);
  assert.equal(stats.entries, 4);
  assert.ok(stats.totalSize > 0);
  assert.equal((await dijitso('--cache-dir', dir, 'stats', '--zero')).code, 0);
  const zeroed = JSON.parse((await dijitso('--cache-dir', dir, 'stats', '--json')).stdout);
  assert.equal(zeroed.hits + zeroed.misses + zeroed.builds, 0);
  assert.equal(zeroed.entries, 4, 'zeroing keeps the entries');
});

test("a running process's builds and failed builds show in stats --json at once", async () => {
  const dir = await tempDir();
  const params = { cache: { dir } };
  const source = 'extern "C" int live() { return 1; }\n';
  assert.equal((await jit({ signature: 'cli_live', generate: () => ({ source }), params })).origin, 'built');
  const broken = () => ({ source: 'extern "C" int f() { return nope; }\n' });
  await assert.rejects(jit({ signature: 'cli_live_broken', generate: broken, params }), JitCompileError);
  // No flush here: this process is still running when another one reads the statistics.
  const run = await dijitso('--cache-dir', dir, 'stats', '--json');
  assert.equal(run.code, 0, run.stderr);
  const stats = JSON.parse(run.stdout);
  assert.equal(stats.builds, 1);
  assert.equal(stats.failures, 1);
  assert.equal(stats.misses, 1);
});

test('gc --max-size 0 evicts every entry and the API rebuilds afterwards', async () => {
  const { dir } = await cacheWithThreeEntries();
  const run = await dijitso('--cache-dir', dir, 'gc', '--max-size', '0');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /evicted 3 entries/);
  assert.deepEqual(
    (await readdir(join(dir, 'lib'))).filter((name) => name.endsWith('.so')),
    [],
  );
  const again = await jit({
    signature: 'cli_gamma',
    generate: () => ({ source: 'extern "C" int value() { return 2; }\n' }),
    params: { cache: { dir } },
  });
  assert.equal(again.origin, 'built');
  assert.equal((again.lib.func('int value(void)') as () => number)(), 2);
});

test('clean --yes leaves no library; without --yes and no terminal it refuses', async () => {
  const { dir } = await cacheWithThreeEntries();
  const refused = await dijitso('--cache-dir', dir, 'clean');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--yes/);
  assert.equal((await readdir(join(dir, 'lib'))).length, 6);
  const run = await dijitso('--cache-dir', dir, 'clean', '--yes');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(await readdir(join(dir, 'lib')), []);
  assert.deepEqual(await readdir(join(dir, 'src')), []);
});

test('doctor checks the compilers and names a corrupt entry', async () => {
  const { dir, keys } = await cacheWithThreeEntries();
  const healthy = await dijitso('--cache-dir', dir, 'doctor');
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  assert.match(healthy.stdout, /OK {4}C\+\+ compiler: .*compiled and loaded/);
  assert.match(healthy.stdout, /entries: 3 verified/);
  assert.match(healthy.stdout, /MPI: /);
  const lib = join(dir, 'lib', `${keys[0]}.so`);
  const bytes = await readFile(lib);
  bytes[100] = bytes[100]! ^ 0xff;
  // A new inode: the library is mapped into this process, and rewriting it in place would crash us.
  await writeFile(`${lib}.new`, bytes);
  await rename(`${lib}.new`, lib);
  const sick = await dijitso('--cache-dir', dir, 'doctor');
  assert.equal(sick.code, 1);
  assert.match(sick.stdout, new RegExp(`FAIL  entries: 1 of 3 corrupt[^]*${keys[0]}: .*sha256`));
});

test('config says where each parameter came from', async () => {
  const dir = await tempDir('dijitso-cli-');
  const run = await dijitso('config', '--json', '--cache-dir', dir);
  assert.equal(run.code, 0, run.stderr);
  const { parameters } = JSON.parse(run.stdout);
  assert.deepEqual(parameters['cache.dir'], { value: dir, source: '--cache-dir' });
  assert.deepEqual(parameters['cache.maxSize'], { value: 5 * 1024 ** 3, source: 'default' });
  assert.equal(parameters['build.cxx'].value, process.env.CXX ?? 'c++');
});

test('help, version and usage errors', async () => {
  const help = await dijitso('--help');
  assert.equal(help.code, 0);
  for (const command of ['ls', 'show', 'grep', 'extract', 'stats', 'gc', 'clean', 'config', 'doctor']) {
    assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'), command);
  }
  const gcHelp = await dijitso('gc', '--help');
  assert.equal(gcHelp.code, 0);
  assert.match(gcHelp.stdout, /--max-size SIZE/);
  assert.match((await dijitso('--version')).stdout, /^dijitso \d+\.\d+\.\d+\n$/);
  const unknown = await dijitso('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
  assert.equal((await dijitso('ls', '--frobnicate')).code, 2);
  assert.equal((await dijitso('show')).code, 2, 'a missing argument');
  assert.equal((await dijitso('gc', '--max-size', 'lots')).code, 2);
  assert.equal((await dijitso()).code, 2);
});

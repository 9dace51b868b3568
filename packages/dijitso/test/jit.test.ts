import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { JitCompileError, SignatureError, factory, jit, unload } from '../src/index.js';
import { counting, runWorker, tempDir } from './helpers.js';

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

test('builds, calls, then hits memory without calling generate again', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const first = await jit({ signature: 'add_e2e', generate, params: { cache: { dir } } });
  assert.equal(first.origin, 'built');
  assert.equal(first.lib.func('int add(int a, int b)')(2, 3), 5);
  assert.match(first.key, /^add_e2e-[0-9a-f]{12}$/);
  assert.equal(first.path, join(dir, 'lib', `${first.key}.so`));
  const second = await jit({ signature: 'add_e2e', generate, params: { cache: { dir } } });
  assert.equal(second.origin, 'memory');
  assert.equal(second.lib, first.lib);
  assert.equal(generate.calls, 1);
});

test('a new process hits the disk and never calls generate', async () => {
  const dir = await tempDir();
  const counter = join(dir, 'generate-calls');
  assert.deepEqual(await runWorker([join(dir, 'cache'), counter, 'kernel_disk', '7']), {
    origin: 'built',
    result: 8,
  });
  assert.deepEqual(await runWorker([join(dir, 'cache'), counter, 'kernel_disk', '7']), {
    origin: 'disk',
    result: 8,
  });
  assert.equal((await readFile(counter, 'utf8')).trim().split('\n').length, 1);
});

test('the cache holds lz4 sources and no plain source outside err/', async () => {
  const dir = await tempDir();
  const marker = 'plain_text_marker_0xC0FFEE';
  const { key } = await jit({
    signature: 'lz4_check',
    generate: () => ({
      source: `// ${marker}\n${Array.from({ length: 20 }, (_, i) => `extern "C" int g${i}() { return ${i}; }\n`).join('')}`,
      header: `// ${marker} header\n`,
    }),
    params: { cache: { dir } },
  });
  const source = await readFile(join(dir, 'src', `${key}.cpp.lz4`));
  assert.deepEqual([...source.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
  await stat(join(dir, 'src', `${key}.h.lz4`));
  const files = await readdir(dir, { recursive: true });
  for (const file of files) {
    if (file.startsWith('err') || file.startsWith('lib')) continue;
    const path = join(dir, file);
    if (!(await stat(path)).isFile()) continue;
    assert.ok(!/\.(c|cpp|h)$/.test(file), `plain source ${file}`);
  }
});

test('new flags build anew under another key', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const o2 = await jit({ signature: 'flags', generate, params: { cache: { dir } } });
  const o3 = await jit({
    signature: 'flags',
    generate,
    params: { cache: { dir }, build: { cxxflags: ['-O3'] } },
  });
  assert.equal(o3.origin, 'built');
  assert.notEqual(o3.key, o2.key);
  assert.equal(generate.calls, 2);
  const again = await jit({ signature: 'flags', generate, params: { cache: { dir } } });
  assert.equal(again.key, o2.key);
  assert.equal(again.origin, 'disk');
  assert.equal(generate.calls, 2);
});

test('a compile error is a JitCompileError with a diagnostic on the culprit line', async () => {
  const dir = await tempDir();
  const source = 'extern "C" int ok() { return 1; }\nextern "C" int bad() { return culprit_symbol; }\n';
  await assert.rejects(
    jit({ signature: 'broken_e2e', generate: () => ({ source }), params: { cache: { dir } } }),
    (error: unknown) => {
      assert.ok(error instanceof JitCompileError);
      assert.equal(error.name, 'JitCompileError');
      const diagnostic = error.diagnostics.find((d) => d.severity === 'error');
      assert.equal(diagnostic?.line, 2);
      assert.match(diagnostic?.message ?? '', /culprit_symbol/);
      assert.match(error.message, /broken_e2e\.cpp:2:\d+: error/);
      return true;
    },
  );
  assert.deepEqual(await readdir(join(dir, 'lib')), []);
});

test('bad signatures are SignatureErrors and nothing is written', async () => {
  const root = await tempDir();
  const dir = join(root, 'cache');
  for (const signature of ['../x', 'a/b', '', '.x', 'x'.repeat(300), 'a;b']) {
    await assert.rejects(
      jit({ signature, generate: counting(ADD), params: { cache: { dir } } }),
      SignatureError,
    );
  }
  assert.deepEqual(await readdir(root), []);
});

test('a C++ factory object uses a function from a dependency library', async () => {
  const dir = await tempDir();
  await jit({
    signature: 'dep_base',
    generate: () => ({ source: 'extern "C" int scale(int x) { return 3 * x; }\n' }),
    params: { cache: { dir } },
  });
  const { lib } = await jit({
    signature: 'dep_user',
    generate: () => ({
      source:
        'extern "C" int scale(int x);\n' +
        'struct Form { virtual int eval(int x) const { return scale(x) + 1; } virtual ~Form() {} };\n' +
        'extern "C" void* create_form(void) { return new Form(); }\n' +
        'extern "C" int form_eval(void* f, int x) { return static_cast<Form*>(f)->eval(x); }\n',
      dependencies: ['dep_base'],
    }),
    params: { cache: { dir } },
  });
  const form = factory(lib, 'create_form');
  assert.equal(lib.func('int form_eval(void* f, int x)')(form, 5), 16);
});

test('C sources build with the C compiler', async () => {
  const dir = await tempDir();
  const { lib } = await jit({
    signature: 'c_lang',
    generate: counting('int mul(int a, int b) { return a * b; }\n', 'c'),
    params: { cache: { dir } },
  });
  assert.equal(lib.func('int mul(int a, int b)')(6, 7), 42);
  assert.ok((await readdir(join(dir, 'src'))).some((name) => name.endsWith('.c.lz4')));
});

test('the cache directory is created with mode 0700', async () => {
  const dir = join(await tempDir(), 'fresh');
  await jit({ signature: 'mode_check', generate: counting(ADD), params: { cache: { dir } } });
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
});

test('unload forgets the library so the next call loads it again', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  await jit({ signature: 'unload_me', generate, params: { cache: { dir } } });
  assert.equal(unload('unload_me'), true);
  assert.equal((await jit({ signature: 'unload_me', generate, params: { cache: { dir } } })).origin, 'disk');
});

test('a changed XDG_CACHE_HOME is not served from memory: the library comes from the new cache', async () => {
  const saved = { xdg: process.env.XDG_CACHE_HOME, dir: process.env.DIJITSO_CACHE_DIR };
  try {
    delete process.env.DIJITSO_CACHE_DIR;
    const generate = counting(ADD);
    process.env.XDG_CACHE_HOME = await tempDir();
    const first = await jit({ signature: 'xdg_moves', generate });
    process.env.XDG_CACHE_HOME = await tempDir();
    const second = await jit({ signature: 'xdg_moves', generate });
    assert.equal(second.origin, 'built');
    assert.ok(second.path.startsWith(join(process.env.XDG_CACHE_HOME, 'dijitso')), second.path);
    assert.notEqual(second.path, first.path);
  } finally {
    for (const [name, value] of [
      ['XDG_CACHE_HOME', saved.xdg],
      ['DIJITSO_CACHE_DIR', saved.dir],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

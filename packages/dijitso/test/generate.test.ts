import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompilerNotFoundError, JitGenerateError, ParameterError, jit } from '../src/index.js';
import { tempDir } from './helpers.js';

test('a throwing generate is a JitGenerateError keeping the cause', async () => {
  const dir = await tempDir();
  const cause = new Error('template missing');
  await assert.rejects(
    jit({
      signature: 'throws',
      generate: () => {
        throw cause;
      },
      params: { cache: { dir } },
    }),
    (error: unknown) => {
      assert.ok(error instanceof JitGenerateError);
      assert.equal(error.code, 'JIT_GENERATE_FAILED');
      assert.equal(error.cause, cause);
      assert.match(error.message, /template missing/);
      return true;
    },
  );
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
});

test('invalid generate results are JitGenerateErrors that say what is wrong', async () => {
  const dir = await tempDir();
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /expected an object/],
    [{ source: '' }, /non-empty string for source/],
    [{ source: 'int x;', language: 'fortran' }, /'c' or 'c\+\+' for language/],
    [{ source: 'int x;', dependencies: ['../evil'] }, /Invalid dependency/],
    [{ source: 'int x;', sauce: 1 }, /unknown field "sauce"/],
    [{ source: 'int x;', dependencies: ['never_jitted'] }, /not jitted in this process/],
  ];
  for (const [index, [result, pattern]] of cases.entries()) {
    await assert.rejects(
      jit({ signature: `invalid_${index}`, generate: () => result as never, params: { cache: { dir } } }),
      (error: unknown) => error instanceof JitGenerateError && pattern.test(error.message),
    );
  }
});

test('a missing compiler is named in the error', async () => {
  const dir = await tempDir();
  await assert.rejects(
    jit({
      signature: 'no_cc',
      generate: () => ({ source: 'int f(void) { return 1; }', language: 'c' }),
      params: { cache: { dir }, build: { cc: '/nonexistent/cc' } },
    }),
    (error: unknown) => error instanceof CompilerNotFoundError && /\/nonexistent\/cc/.test(error.message),
  );
});

test('bad options are ParameterErrors', async () => {
  await assert.rejects(jit(null as never), ParameterError);
  await assert.rejects(
    jit({ signature: 'x', generate: 'nope' } as never),
    /Expected a function for generate/,
  );
  await assert.rejects(
    jit({ signature: 'x', generate: () => ({ source: 'x' }), comms: 1 } as never),
    /Unknown option comms/,
  );
});

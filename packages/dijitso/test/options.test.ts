import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeWorld } from '@dijitso/mpi-roles';
import { ParameterError, StrategyError, jit, jitAll } from '../src/index.js';
import { counting, tempDir } from './helpers.js';

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

test('a memory hit with bad options throws ParameterError, like a first call', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const good = { signature: 'options_memory', generate, params: { cache: { dir } } };
  assert.equal((await jit(good)).origin, 'built');
  assert.equal((await jit(good)).origin, 'memory');
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...good, generate: 5 }, /Expected a function for generate but received number 5/],
    [{ ...good, bogus: 1 }, /Unknown option bogus of jit\(\); valid options are: signature, generate/],
    [{ ...good, timeout: 0 }, /Expected a positive number of milliseconds for timeout but received number 0/],
    [{ ...good, timeout: '5s' }, /for timeout but received string "5s"/],
    [{ ...good, comm: { rank: 0 } }, /Expected a communicator .* for comm but received/],
    [{ ...good, params: { cache: { dir, colour: 'red' } } }, /Unknown parameter params\.cache\.colour/],
  ];
  for (const [options, message] of bad) {
    await assert.rejects(jit(options as never), (error: unknown) => {
      assert.ok(error instanceof ParameterError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(generate.calls, 1);
});

test('cache parameter values are checked, naming the parameter and what it got', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ dir: '' }, /Expected a non-empty path for params\.cache\.dir but received string ""/],
    [{ dir: 42 }, /Expected a non-empty path for params\.cache\.dir but received number 42/],
    [
      { dir, lockStaleMs: -1 },
      /positive number of milliseconds for params\.cache\.lockStaleMs but received number -1/,
    ],
    [{ dir, lockTimeoutMs: Infinity }, /params\.cache\.lockTimeoutMs but received number Infinity/],
    [{ dir, maxSize: '5 gigs' }, /cache\.maxSize/],
    [{ dir, maxSize: -3 }, /cache\.maxSize/],
  ];
  for (const [cache, message] of cases) {
    await assert.rejects(
      jit({ signature: 'options_cache', generate, params: { cache } as never }),
      (error: unknown) => {
        assert.ok(error instanceof ParameterError, String(error));
        assert.match(error.message, message);
        return true;
      },
    );
  }
  assert.equal(generate.calls, 0);
});

test('an unknown strategy is a StrategyError on every call, memory hits included', async () => {
  const dir = await tempDir();
  const generate = counting(ADD);
  const [comm] = createFakeWorld(1);
  const call = { signature: 'options_strategy', generate, comm: comm!, params: { cache: { dir } } };
  assert.equal((await jit({ ...call, strategy: 'root' })).origin, 'built');
  assert.equal((await jit({ ...call, strategy: 'root' })).origin, 'memory');
  await assert.rejects(jit({ ...call, strategy: 'fastest' }), StrategyError);
});

test('jitAll returns every result in request order, with the common options under each', async () => {
  const dir = await tempDir();
  const results = await jitAll(
    ['all_a', 'all_b', 'all_c'].map((signature) => ({ signature, generate: counting(ADD) })),
    { params: { cache: { dir } } },
  );
  assert.deepEqual(
    results.map((r) => r.signature),
    ['all_a', 'all_b', 'all_c'],
  );
  assert.ok(results.every((r) => r.path.startsWith(dir)));
  await assert.rejects(
    jitAll('all_a' as never),
    /Expected an array of jit\(\) options for jitAll but received/,
  );
});

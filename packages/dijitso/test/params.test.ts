import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { ParameterError, resolveParams } from '../src/index.js';
import { forgetConfigFiles } from '../src/params.js';
import { tempDir } from './helpers.js';

const saved = { ...process.env };
afterEach(() => {
  for (const name of ['DIJITSO_CACHE_DIR', 'DIJITSO_SHARED_CACHE_DIR', 'DIJITSO_CONFIG', 'CC', 'CXX']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  forgetConfigFiles();
});

test('layers defaults, config file, environment and the call, and says where each value came from', async () => {
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({ cache: { dir: join(dir, 'from-config') }, build: { cxxflags: ['-O1'], cc: 'gcc' } }),
  );
  process.env.DIJITSO_CONFIG = config;
  delete process.env.DIJITSO_CACHE_DIR;
  process.env.CXX = 'g++';
  delete process.env.CC;
  let { params, sources } = resolveParams();
  assert.equal(params.cache.dir, join(dir, 'from-config'));
  assert.deepEqual(params.build, { cxxflags: ['-O1'], cc: 'gcc', cxx: 'g++' });
  assert.equal(sources['cache.dir'], `config file ${config}`);
  assert.equal(sources['build.cxx'], 'environment');

  process.env.DIJITSO_CACHE_DIR = join(dir, 'from-env');
  ({ params, sources } = resolveParams({ build: { cxxflags: ['-O3'] } }));
  assert.equal(params.cache.dir, join(dir, 'from-env'));
  assert.deepEqual(params.build.cxxflags, ['-O3']);
  assert.equal(sources['build.cxxflags'], 'call');

  ({ params } = resolveParams({ cache: { dir: join(dir, 'from-call') } }));
  assert.equal(params.cache.dir, join(dir, 'from-call'));
});

test('unknown keys are errors listing the valid ones', () => {
  assert.throws(
    () => resolveParams({ cach: {} } as never),
    (error: unknown) => {
      assert.ok(error instanceof ParameterError);
      assert.match(error.message, /Unknown parameter params\.cach; valid sections are: cache, build/);
      return true;
    },
  );
  assert.throws(
    () => resolveParams({ cache: { directory: '/x' } } as never),
    /valid keys are: dir, lockStaleMs, lockTimeoutMs/,
  );
  assert.throws(() => resolveParams({ build: { flags: [] } } as never), /valid keys are: cc, cxx/);
});

test('a config file with an unknown key or bad JSON is named in the error', async () => {
  const dir = await tempDir();
  const config = join(dir, 'bad.json');
  await writeFile(config, JSON.stringify({ build: { optimise: true } }));
  process.env.DIJITSO_CONFIG = config;
  assert.throws(() => resolveParams(), new RegExp(`config file ${config}.*build\\.optimise`));
  forgetConfigFiles();
  await writeFile(config, '{ not json');
  assert.throws(() => resolveParams(), /is not valid JSON/);
  forgetConfigFiles();
  process.env.DIJITSO_CONFIG = join(dir, 'missing.json');
  assert.throws(() => resolveParams(), /Cannot read the config file .*missing\.json named by DIJITSO_CONFIG/);
});

test('cache.shared is layered like cache.dir: config file, then DIJITSO_SHARED_CACHE_DIR, then the call', async () => {
  const dir = await tempDir();
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ cache: { shared: join(dir, 'site'), trustedGroup: 'science' } }));
  process.env.DIJITSO_CONFIG = config;
  delete process.env.DIJITSO_SHARED_CACHE_DIR;
  let { params, sources } = resolveParams();
  assert.equal(params.cache.shared, join(dir, 'site'));
  assert.equal(params.cache.trustedGroup, 'science');
  assert.equal(sources['cache.shared'], `config file ${config}`);
  process.env.DIJITSO_SHARED_CACHE_DIR = join(dir, 'from-env');
  ({ params, sources } = resolveParams());
  assert.equal(params.cache.shared, join(dir, 'from-env'));
  assert.equal(sources['cache.shared'], 'environment');
  ({ params } = resolveParams({ cache: { shared: join(dir, 'from-call') } }));
  assert.equal(params.cache.shared, join(dir, 'from-call'));
  assert.throws(() => resolveParams({ cache: { shared: '' } }), /non-empty path for params.cache.shared/);
  assert.throws(() => resolveParams({ cache: { trustedGroup: 'a b' } }), /group name or numeric gid/);
  forgetConfigFiles();
  delete process.env.DIJITSO_CONFIG;
  delete process.env.DIJITSO_SHARED_CACHE_DIR;
  assert.equal(resolveParams().params.cache.shared, undefined);
});

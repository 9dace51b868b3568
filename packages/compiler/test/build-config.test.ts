import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParameterError } from '@dijitso/core-cache';
import {
  buildHash,
  buildIdentity,
  checkBuildParams,
  effectiveBuild,
  resolveBuild,
  type BuildIdentity,
  type EffectiveBuildParams,
} from '../src/index.js';

const gcc = { command: 'c++', path: '/usr/bin/x86_64-linux-gnu-g++-12', size: 1_000_000, mtimeMs: 1.7e12 };
const identity: BuildIdentity = {
  cc: { ...gcc, command: 'cc', path: '/usr/bin/x86_64-linux-gnu-gcc-12' },
  cxx: gcc,
  target: { arch: 'x64', platform: 'linux' },
};
const hash = (params: EffectiveBuildParams, given: BuildIdentity = identity): string =>
  buildHash(params, given);

test('C++ builds get the default flags and -std=c++17, user flags after them', () => {
  const build = resolveBuild(effectiveBuild({ cxxflags: ['-O3'] }), 'c++');
  assert.equal(build.compiler, 'c++');
  assert.deepEqual(build.flags, ['-shared', '-fPIC', '-O2', '-std=c++17', '-O3']);
  assert.equal(resolveBuild(effectiveBuild({ cc: 'gcc' }), 'c').compiler, 'gcc');
  assert.deepEqual(resolveBuild(effectiveBuild({}), 'c').flags, ['-shared', '-fPIC', '-O2']);
});

test('the hash changes with any flag or compiler and is stable otherwise', () => {
  const base = hash(effectiveBuild({}));
  assert.match(base, /^[0-9a-f]{12}$/);
  assert.equal(hash(effectiveBuild({})), base);
  assert.equal(hash(effectiveBuild({ cxxflags: [] })), base);
  const others = [
    { cxxflags: ['-O3'] },
    { cflags: ['-g'] },
    { cxx: 'clang++' },
    { libs: ['m'] },
    { ldflags: ['-s'] },
  ];
  const hashes = new Set(others.map((p) => hash(effectiveBuild(p))));
  assert.equal(hashes.size, others.length);
  assert.ok(!hashes.has(base));
});

test("the hash covers each compiler's file (path, size, mtime) and the target", () => {
  const params = effectiveBuild({});
  const base = hash(params);
  const variants: BuildIdentity[] = [
    { ...identity, cxx: { ...gcc, path: '/opt/gcc-13/bin/g++' } },
    { ...identity, cxx: { ...gcc, size: gcc.size + 1 } },
    { ...identity, cxx: { ...gcc, mtimeMs: gcc.mtimeMs + 1 } },
    { ...identity, cc: { ...identity.cc, mtimeMs: gcc.mtimeMs + 1 } },
    { ...identity, target: { arch: 'arm64', platform: 'linux' } },
    { ...identity, target: { arch: 'x64', platform: 'darwin' } },
  ];
  const hashes = new Set(variants.map((variant) => hash(params, variant)));
  assert.equal(hashes.size, variants.length);
  assert.ok(!hashes.has(base));
  // Only a frozen identity (as buildIdentity gives) has its part of the input kept between calls.
  const mutable = structuredClone(identity);
  assert.equal(hash(params, mutable), base);
  mutable.cxx.mtimeMs += 1;
  assert.notEqual(hash(params, mutable), base);
});

test('-march=native marks a build host-specific', () => {
  assert.equal(resolveBuild(effectiveBuild({ cxxflags: ['-march=native'] }), 'c++').hostSpecific, true);
  assert.equal(resolveBuild(effectiveBuild({ cxxflags: ['-O3'] }), 'c++').hostSpecific, false);
});

test('unknown or mistyped build parameters are errors that list the valid keys', () => {
  assert.throws(
    () => checkBuildParams({ cxxflag: ['-O3'] }, 'params.build'),
    (error: unknown) => {
      assert.ok(error instanceof ParameterError);
      assert.match(
        error.message,
        /Unknown parameter params\.build\.cxxflag; valid keys are: cc, cxx, cflags, cxxflags/,
      );
      return true;
    },
  );
  assert.throws(
    () => checkBuildParams({ cxxflags: '-O3' }, 'params.build'),
    /Expected an array of strings for params\.build\.cxxflags/,
  );
  assert.throws(() => checkBuildParams({ cxx: '' }, 'params.build'), /non-empty string/);
  assert.throws(() => checkBuildParams('x', 'params.build'), /Expected an object/);
});

test('build.jobs is a positive integer and does not change the key', () => {
  assert.throws(() => checkBuildParams({ jobs: 0 }, 'build'), /positive integer .* for build\.jobs/);
  assert.throws(() => checkBuildParams({ jobs: 1.5 }, 'build'), /positive integer/);
  assert.deepEqual(checkBuildParams({ jobs: 3 }, 'build'), { jobs: 3 });
  const identity = buildIdentity(effectiveBuild({}));
  assert.equal(buildHash(effectiveBuild({ jobs: 7 }), identity), buildHash(effectiveBuild({}), identity));
});

// What the compiler identity in the cache key costs a call, and what its per-process memo saves:
//   first     the first resolve of `c++` and `cc` in this process (PATH walk, stat, access, realpath)
//   resolve   the same, uncached, once warm: what every call would pay without the memo
//   memo      compilerIdentity() of both commands once memoized: what a call pays
//   hash      buildHash with an identity already at hand (the sha256 of the parameters alone)
//   key       buildHash over the effective parameters and buildIdentity(): a warm call's whole key
// Usage: node packages/compiler/bench/identity.mjs   (after npm run build). Prints one JSON line (µs per call).
import { performance } from 'node:perf_hooks';
import {
  buildHash,
  buildIdentity,
  compilerIdentity,
  effectiveBuild,
  resolveCompilerIdentity,
} from '@dijitso/compiler';

const params = effectiveBuild({ cxx: process.env.CXX ?? 'c++', cc: process.env.CC ?? 'cc' });

function perCall(fn, iterations) {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn();
  const rounds = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(((performance.now() - started) * 1000) / iterations);
  }
  return rounds.sort((a, b) => a - b)[2];
}

const started = performance.now();
resolveCompilerIdentity(params.cxx);
resolveCompilerIdentity(params.cc);
const first = (performance.now() - started) * 1000;

const identity = buildIdentity(params);
const result = {
  compilers: [compilerIdentity(params.cxx).path, compilerIdentity(params.cc).path],
  first_us: first,
  resolve_us: perCall(() => {
    resolveCompilerIdentity(params.cxx);
    resolveCompilerIdentity(params.cc);
  }, 2000),
  memo_us: perCall(() => {
    compilerIdentity(params.cxx);
    compilerIdentity(params.cc);
  }, 200_000),
  hash_us: perCall(() => buildHash(params, identity), 50_000),
  key_us: perCall(() => buildHash(params, buildIdentity(params)), 50_000),
};
console.log(JSON.stringify(result));

// Distributed jit() under mpirun with 6 ranks: ranks 2k and 2k+1 share the cache directory node-k.
// Every scenario checks real outcomes (generate calls counted through a file, origins, function
// results, identical errors on every rank); rank 0 prints "jit-mpi: N passed, M failed".
// Usage: mpirun -np 6 node test-mpi/jit/distributed.mjs [scenario ...]
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JitCompileError, JitGenerateError, jit } from 'dijitso';
import { pendingStats } from '@dijitso/core-cache';
import { rendezvousRuns } from '@dijitso/mpi-roles';
import { world } from 'mpi-napi';

const comm = world();
const { rank, size } = comm;
if (size !== 6) throw new Error(`run with 6 ranks, not ${size}`);

const root = (
  await comm.bcast(rank === 0 ? Buffer.from(join(tmpdir(), `dijitso-mpi-${process.pid}`)) : null, 0)
).toString();
if (rank === 0) mkdirSync(root, { recursive: true, mode: 0o700 });
await comm.barrier();

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

function counter(name) {
  const file = join(root, `${name}.calls`);
  return {
    generate:
      (source = ADD) =>
      () => {
        appendFileSync(file, `${rank}\n`);
        return { source };
      },
    count: () => {
      try {
        return readFileSync(file, 'utf8').trim().split('\n').length;
      } catch {
        return 0;
      }
    },
  };
}

const nodeDir = (name) => join(root, name, `node-${rank >> 1}`);

async function expectCompiles(name, strategy, expected, dir = nodeDir(name)) {
  const c = counter(name);
  const result = await jit({
    signature: `add_${name}`,
    generate: c.generate(),
    params: { cache: { dir } },
    comm,
    strategy,
  });
  assert.equal(result.lib.func('int add(int a, int b)')(2, 3), 5);
  await comm.barrier();
  assert.equal(c.count(), expected, `${name}: generate calls`);
  return result;
}

const scenarios = {
  async root() {
    const result = await expectCompiles('root', 'root', 1);
    const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
    assert.deepEqual(origins, ['built', 'built', 'received', 'received', 'received', 'received']);
    const again = await jit({
      signature: 'add_root',
      generate: () => assert.fail('no generate'),
      comm,
      strategy: 'root',
      params: { cache: { dir: nodeDir('root') } },
    });
    assert.equal(again.origin, 'memory');
  },
  async node() {
    await expectCompiles('node', 'node', 3);
  },
  async process() {
    const result = await expectCompiles('process', 'process', 6, join(root, 'process'));
    assert.ok(result.path.includes(`/rank-${rank}/`), result.path);
  },
  async env() {
    process.env.DIJITSO_STRATEGY = 'node';
    try {
      await expectCompiles('env', undefined, 3);
    } finally {
      delete process.env.DIJITSO_STRATEGY;
    }
  },
  async divergent() {
    // node-1 alone already holds the binary (built without MPI by rank 2); the others are empty.
    const name = 'divergent';
    if (rank === 2) {
      await jit({
        signature: `add_${name}`,
        generate: () => ({ source: ADD }),
        params: { cache: { dir: nodeDir(name) } },
      });
    }
    await comm.barrier();
    // The plan ships node-1's binary: no rank generates.
    const result = await expectCompiles(name, 'root', 0);
    assert.equal(result.builds, 0);
    const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
    assert.deepEqual(origins, ['received', 'received', 'disk', 'disk', 'received', 'received']);
  },
  async compileError() {
    const c = counter('compileError');
    const outcome = await jit({
      signature: 'broken_mpi',
      generate: c.generate('extern "C" int f() { return not_declared_here; }\n'),
      params: { cache: { dir: nodeDir('compileError') } },
      comm,
      strategy: 'root',
    }).then(
      () => 'no error',
      (error) => error,
    );
    assert.ok(outcome instanceof JitCompileError, `rank ${rank}: ${outcome}`);
    assert.ok(outcome.diagnostics.some((d) => d.line === 1 && /not_declared_here/.test(d.message)));
    const messages = (await comm.allgather(Buffer.from(outcome.message))).map(String);
    assert.ok(
      messages.every((m) => m === messages[0]),
      'same message everywhere',
    );
    assert.equal(c.count(), 1);
  },
  async generateError() {
    const outcome = await jit({
      signature: 'throws_mpi',
      generate: () => {
        throw new Error('no template for this element');
      },
      params: { cache: { dir: nodeDir('generateError') } },
      comm,
    }).then(
      () => 'no error',
      (error) => error,
    );
    assert.ok(outcome instanceof JitGenerateError, `rank ${rank}: ${outcome}`);
    assert.match(outcome.message, /no template for this element/);
  },
  async customStrategy() {
    // Build on the last group, ship to the others.
    const lastBuilds = {
      name: 'last-builds',
      plan: (topology, hits) => {
        const last = topology.groups.length - 1;
        const others = topology.groups.map((_, g) => g).filter((g) => g !== last && !hits[g]);
        return {
          builders: hits[last] ? [] : [last],
          transfers: others.length ? [{ from: last, to: others }] : [],
        };
      },
    };
    const result = await expectCompiles('customStrategy', lastBuilds, 1);
    const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
    assert.deepEqual(origins, ['received', 'received', 'received', 'received', 'built', 'built']);
  },
  async statsByLeader() {
    // Each directory's leader counts the calls of its group; the other ranks keep no counts, so
    // they never write statistics into a directory they share.
    const dir = nodeDir('statsByLeader');
    const call = () =>
      jit({ signature: 'counted', generate: () => ({ source: ADD }), params: { cache: { dir } }, comm });
    await call();
    await call();
    const pending = pendingStats(resolve(dir));
    const leader = rank % 2 === 0;
    // The first call built or received, which the leader wrote at once; the second hit memory.
    assert.equal(pending.misses, 0, `rank ${rank}: misses`);
    assert.equal(pending.memoryHits, leader ? 2 : 0, `rank ${rank}: memory hits`);
  },
  async rendezvousOnce() {
    const dir = nodeDir('rendezvousOnce');
    const before = rendezvousRuns();
    for (const n of [1, 2, 3]) {
      await jit({
        signature: `once_${n}`,
        generate: () => ({ source: ADD }),
        params: { cache: { dir } },
        comm,
      });
    }
    assert.equal(rendezvousRuns() - before, 1);
  },
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenarios);
let passed = 0;
let failed = 0;
for (const name of chosen) {
  let error = null;
  try {
    await scenarios[name]();
  } catch (e) {
    error = e;
  }
  const verdicts = (
    await comm.allgather(Buffer.from(error ? `rank ${rank}: ${error.stack ?? error}` : ''))
  ).map(String);
  const failures = verdicts.filter(Boolean);
  if (failures.length === 0) passed += 1;
  else failed += 1;
  if (rank === 0) {
    console.log(`${failures.length === 0 ? 'ok' : 'not ok'} - ${name}`);
    for (const failure of failures) console.log(`  ${failure.split('\n').join('\n  ')}`);
  }
}
await comm.barrier();
if (rank === 0) {
  rmSync(root, { recursive: true, force: true });
  console.log(`jit-mpi: ${passed} passed, ${failed} failed`);
}
process.exitCode = failed ? 1 : 0;

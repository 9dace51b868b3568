// The two-tier cache under mpirun with 6 ranks: ranks 2k and 2k+1 share the node-local directory
// node-k, every rank sees one shared tier ROOT/shared. Generate calls are counted through a file,
// the shared tier's reads in the node directories' statistics; rank 0 prints "jit-tier: N passed, M failed".
// Usage: mpirun -np 6 node test-mpi/jit/shared-tier.mjs ROOT [scenario ...]
//   default scenarios: empty, warm (ROOT/shared writable, left warm for later jobs);
//   read-only: ro-warm, ro-empty (run with ROOT/shared mounted read-only, after the default ones).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  constants,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { jit, unload } from 'dijitso';
import { openCache, readStats } from '@dijitso/core-cache';
import { world } from 'mpi-napi';

const comm = world();
const { rank, size } = comm;
if (size !== 6) throw new Error(`run with 6 ranks, not ${size}`);
const [root, ...asked] = process.argv.slice(2);
if (!root) throw new Error('usage: shared-tier.mjs ROOT [scenario ...]: ROOT is a directory for the caches');
const shared = join(root, 'shared');
if (rank === 0) mkdirSync(root, { recursive: true, mode: 0o700 });
await comm.barrier();

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

function counter(name) {
  const file = join(root, `${name}.calls`);
  return {
    generate: () => {
      appendFileSync(file, `${rank}\n`);
      return { source: ADD };
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

// One group (the call's builder, which goes round the groups with the call's turn) read the
// shared tier; the other two received the library from it.
function assertOneGroupRead(origins) {
  const readers = origins.flatMap((origin, r) => (origin === 'shared' ? [r] : []));
  assert.equal(readers.length, 2, `origins ${origins}`);
  assert.equal(readers[0] >> 1, readers[1] >> 1, `origins ${origins}`);
  assert.equal(origins.filter((origin) => origin === 'received').length, 4, `origins ${origins}`);
}

const nodeDirs = (name) => [0, 1, 2].map((k) => join(root, name, `node-${k}`));

// Every file of the shared tier with its size and mtime: a write of any kind changes it.
function listing() {
  let names = [];
  try {
    names = readdirSync(shared, { recursive: true }).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const info = statSync(join(shared, name));
    return `${name} ${info.size} ${info.mtimeMs}`;
  });
}

// The read-only scenarios run where the shared tier is mounted read-only: make sure it is.
function assertReadOnly() {
  assert.throws(
    () => accessSync(shared, constants.W_OK),
    /EROFS|EACCES/,
    `${shared} should be read-only here`,
  );
}

// One job's call on fresh node directories; checks the result on every rank and the compiles.
async function call(name, signature, compiles) {
  const c = counter(name);
  const dir = nodeDirs(name)[rank >> 1];
  const result = await jit({ signature, generate: c.generate, params: { cache: { dir, shared } }, comm });
  assert.equal(result.lib.func('int add(int a, int b)')(2, 3), 5);
  assert.equal(result.path, join(dir, 'lib', `${result.key}.so`));
  await comm.barrier();
  assert.equal(c.count(), compiles, `${name}: generate calls`);
  const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
  unload(signature);
  return { result, origins };
}

async function sharedReads(name) {
  let hits = 0;
  let bytes = 0;
  for (const dir of nodeDirs(name)) {
    const { counters } = await readStats(await openCache(dir), { includePending: false });
    hits += counters.sharedHits;
    bytes += counters.sharedBytes;
  }
  return { hits, bytes };
}

const scenarios = {
  // Empty everywhere: one compile, and the shared tier holds the library afterwards.
  async empty() {
    const { result, origins } = await call('empty', 'add_tier', 1);
    assert.deepEqual(origins, ['built', 'built', 'received', 'received', 'received', 'received']);
    assert.equal(sha256(join(shared, 'lib', `${result.key}.so`)), sha256(result.path));
  },
  // Fresh node disks, warm shared tier: no compile; one process reads the shared tier, the others receive.
  async warm() {
    const { result, origins } = await call('warm', 'add_tier', 0);
    assertOneGroupRead(origins);
    assert.equal(result.builds, 0);
    const reads = await sharedReads('warm');
    assert.equal(reads.hits, 1, 'copies from the shared tier in the whole job');
    assert.ok(reads.bytes >= statSync(result.path).size);
  },
  // A read-only warm shared tier: no compile, nothing written to it.
  async 'ro-warm'() {
    assertReadOnly();
    const before = listing();
    assert.ok(before.length > 0, 'the shared tier is warm');
    const { origins } = await call('ro-warm', 'add_tier', 0);
    assertOneGroupRead(origins);
    assert.deepEqual(listing(), before);
    assert.equal((await sharedReads('ro-warm')).hits, 1);
  },
  // A read-only shared tier without the library: one compile into the node disks, no error, nothing written to it.
  async 'ro-empty'() {
    assertReadOnly();
    const before = listing();
    const { result, origins } = await call('ro-empty', 'add_tier_new', 1);
    assert.equal(origins.filter((origin) => origin === 'built').length, 2, `origins ${origins}`);
    assert.deepEqual(listing(), before);
    assert.ok(!before.some((line) => line.startsWith(join('lib', result.key))));
  },
};

const chosen = asked.length ? asked : ['empty', 'warm'];
let passed = 0;
let failed = 0;
for (const name of chosen) {
  if (!scenarios[name])
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
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
    console.log(`${failures.length === 0 ? 'ok' : 'not ok'} - two tiers: ${name}`);
    for (const failure of failures) console.log(`  ${failure.split('\n').join('\n  ')}`);
  }
}
await comm.barrier();
if (rank === 0) console.log(`jit-tier: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;

// The distributed-jit suite across hosts, run by run.sh (namespaces) or docker/ (containers):
// every rank sees its own host's $NODE_LOCAL and the $SHARED directory of all hosts.
//   root    caches in $NODE_LOCAL: 1 compile, the other hosts receive
//   node    caches in $NODE_LOCAL: 1 compile per host
//   shared  cache in $SHARED: 1 compile for the whole job (one group spanning hosts, found by probes)
//   process caches in $NODE_LOCAL/rank-<r>: 1 compile per rank
//   divergent  root, only the last host's $NODE_LOCAL holds the library: it is shipped from there,
//           and no rank calls generate
// Rank 0 prints "cluster: H hosts, R ranks: root ok, node ok, shared ok, process ok, divergent ok"
// when all pass.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const { NODE_LOCAL, SHARED } = process.env;
if (!NODE_LOCAL || !SHARED)
  throw new Error('NODE_LOCAL and SHARED must be set (run through test-mpi/cluster/run.sh)');
const comm = world();
const { rank, size } = comm;
const hosts = [...new Set((await comm.allgather(Buffer.from(hostname()))).map(String))];
const run = `${Date.now().toString(36)}`;
const runId = (await comm.bcast(rank === 0 ? Buffer.from(run) : null, 0)).toString();

const SOURCE = 'extern "C" int mul(int a, int b) { return a * b; }\n';

async function scenario(name, strategy, dir, expected) {
  const calls = join(SHARED, `${runId}-${name}.calls`);
  const result = await jit({
    signature: `cluster_${name}_${runId}`,
    generate: () => {
      appendFileSync(calls, `${rank} ${hostname()}\n`);
      return { source: SOURCE };
    },
    params: { cache: { dir } },
    comm,
    strategy,
  });
  assert.equal(result.lib.func('int mul(int a, int b)')(6, 7), 42);
  await comm.barrier();
  const compiles = readFileSync(calls, 'utf8').trim().split('\n').length;
  assert.equal(compiles, expected.compiles, `${name}: ${compiles} compiles, expected ${expected.compiles}`);
  const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
  if (expected.received !== undefined) {
    assert.equal(
      origins.filter((o) => o === 'received').length,
      expected.received,
      `${name}: origins ${origins}`,
    );
  }
  return origins;
}

// The library is built (without MPI) only on the last host, before the collective call.
async function divergent() {
  const name = 'divergent';
  const signature = `cluster_${name}_${runId}`;
  const dir = join(NODE_LOCAL, name);
  const names = (await comm.allgather(Buffer.from(hostname()))).map(String);
  const holderHost = names[size - 1];
  if (rank === names.indexOf(holderHost)) {
    await jit({ signature, generate: () => ({ source: SOURCE }), params: { cache: { dir } } });
  }
  await comm.barrier();
  const calls = join(SHARED, `${runId}-${name}.calls`);
  const result = await jit({
    signature,
    generate: () => {
      appendFileSync(calls, `${rank} ${hostname()}\n`);
      return { source: SOURCE };
    },
    params: { cache: { dir } },
    comm,
    strategy: 'root',
  });
  assert.equal(result.lib.func('int mul(int a, int b)')(6, 7), 42);
  assert.equal(result.builds, 0, `${name}: ${result.builds} builds`);
  assert.equal(result.origin, names[rank] === holderHost ? 'disk' : 'received');
  await comm.barrier();
  const generated = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  assert.deepEqual(generated, [], `${name}: generate calls ${generated}`);
}

const perHost = size / hosts.length;
const results = [];
let failed = false;
for (const [name, strategy, dir, expected] of [
  ['root', 'root', join(NODE_LOCAL, 'root'), { compiles: 1, received: size - perHost }],
  ['node', 'node', join(NODE_LOCAL, 'node'), { compiles: hosts.length, received: 0 }],
  ['shared', 'node', join(SHARED, 'shared-cache'), { compiles: 1, received: 0 }],
  ['process', 'process', join(NODE_LOCAL, 'process'), { compiles: size, received: 0 }],
  ['divergent'],
]) {
  let error = '';
  try {
    if (name === 'divergent') await divergent();
    else await scenario(name, strategy, dir, expected);
  } catch (e) {
    error = `rank ${rank} on ${hostname()}: ${e.stack ?? e}`;
  }
  const errors = (await comm.allgather(Buffer.from(error))).map(String).filter(Boolean);
  results.push(`${name} ${errors.length ? 'FAILED' : 'ok'}`);
  if (errors.length) {
    failed = true;
    if (rank === 0) console.error(errors.join('\n'));
  }
}
if (rank === 0) console.log(`cluster: ${hosts.length} hosts, ${size} ranks: ${results.join(', ')}`);
process.exitCode = failed ? 1 : 0;

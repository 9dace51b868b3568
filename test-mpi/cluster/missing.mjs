// Names that one host makes after another host's client cached them as missing are found there,
// so nothing is built twice. Run through test-mpi/cluster/run.sh on --shared-fs sshfs with NFS-like
// caches (a "not found" answer is kept 30 s), one job; rank 0 and the last rank run on different
// hosts.
// A library, with jit() called alone on $SHARED/missing:
//   1. the last rank misses, takes the key's lock, and its compile fails (the failure is kept under
//      err/<key>/); it then looks the library's name up itself, so its client caches it as missing;
//   2. rank 0 builds and publishes the library;
//   3. the last rank calls again: its lookup still says missing, it takes the lock, looks again and
//      must find rank 0's entry on the server: origin 'disk', generate not called.
// A lock's heartbeat counter, with buildOnce on $SHARED/counter:
//   4. the last rank reads the counter of a lock no one holds yet (missing: cached);
//   5. rank 0 takes the lock and builds for 3 times the stale time, beating;
//   6. the last rank waits on that lock all along: the counter must not look dead to it, so it
//      builds only after rank 0's build ended.
// Rank 0 prints "missing: ok".
import assert from 'node:assert/strict';
import { appendFileSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildOnce, openCache } from '@dijitso/core-cache';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const { SHARED } = process.env;
if (!SHARED) throw new Error('SHARED must be set (run through test-mpi/cluster/run.sh)');
const comm = world();
const last = comm.size - 1;
const names = (await comm.allgather(Buffer.from(hostname()))).map(String);
assert.notEqual(names[0], names[last], 'rank 0 and the last rank must run on different hosts');
const dir = join(SHARED, 'missing');
const calls = join(SHARED, 'missing.calls');
const SOURCE = 'extern "C" int mul(int a, int b) { return a * b; }\n';

const call = (fail) =>
  jit({
    signature: 'cluster_missing',
    generate: () => {
      appendFileSync(calls, `${comm.rank} ${hostname()} ${fail ? 'failing' : 'generating'}\n`);
      return { source: fail ? 'this does not compile\n' : SOURCE };
    },
    params: { cache: { dir } },
  });

if (comm.rank === last) {
  await assert.rejects(call(true), { name: 'JitCompileError' });
  const [key] = readdirSync(join(dir, 'err'));
  assert.throws(() => lstatSync(join(dir, 'lib', `${key}.so`)), { code: 'ENOENT' });
}
await comm.barrier();
const origins = [];
if (comm.rank === 0) origins[0] = (await call(false)).origin;
await comm.barrier();
if (comm.rank === last) {
  const result = await call(false);
  assert.equal(result.lib.func('int mul(int a, int b)')(6, 7), 42);
  origins[last] = result.origin;
}
const all = (await comm.allgather(Buffer.from(origins[comm.rank] ?? '-'))).map(String);
if (comm.rank === 0) {
  const generated = readFileSync(calls, 'utf8').trim().split('\n');
  assert.deepEqual(
    [all[0], all[last], generated.length],
    ['built', 'disk', 2],
    `origins ${all}; generate called: ${generated.join('; ')}`,
  );
}

const layout = await openCache(join(SHARED, 'counter'));
const key = 'counter-0123456789ab';
const staleMs = 2000;
const GO = 8;
if (comm.rank === last) {
  assert.throws(() => readFileSync(`${layout.lock(key)}.lock.beat`), { code: 'ENOENT' });
}
await comm.barrier();
let time = 0; // rank 0: when its build ended; the last rank: when its build began
const build = async () => {
  if (comm.rank === last) {
    time = Date.now();
    return;
  }
  await comm.send(Buffer.from('go'), last, GO);
  await sleep(3 * staleMs);
  time = Date.now();
};
if (comm.rank === 0 || comm.rank === last) {
  if (comm.rank === last) await comm.recv(0, GO);
  const { built } = await buildOnce(layout, key, { lookup: async () => null, build }, { staleMs });
  assert.ok(built);
}
const times = (await comm.allgather(Buffer.from(String(time)))).map(Number);
if (comm.rank === 0) {
  assert.ok(
    times[last] >= times[0],
    `the last rank took the lock ${times[0] - times[last]} ms before rank 0's build ended`,
  );
  console.log('missing: ok');
}

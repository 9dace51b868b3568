// The MPI floor of a collective jit(), our side (under mpirun): an empty allgather and a barrier
// through mpi-napi, the rendezvous alone (discoverTopology on a cache opened with openCache), and
// a warm collective jit() after the rendezvous (the steady state: one allgather, a stat, a dlopen).
// Usage: node latency.mjs ROOT DISKS REPS SOURCE.cpp. Rank 0 prints one JSON line (medians of
// per-call maxima over ranks, in ms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCache } from '@dijitso/core-cache';
import { discoverTopology } from '@dijitso/mpi-roles';
import { jit, unload } from 'dijitso';
import koffi from 'koffi';
import { world } from 'mpi-napi';
import { diskOf } from '../lib/mpi.mjs';

const [root, disks, repsArg, source] = process.argv.slice(2);
const reps = Number(repsArg);
const comm = world();
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

// Each sample is the slowest rank's time for one call, so it is what the job waits for;
// `before` runs untimed, ahead of the barrier.
async function sample(run, before = () => {}) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    before(i);
    await comm.barrier();
    const started = performance.now();
    await run(i);
    times.push(await comm.allreduce(performance.now() - started, 'max'));
  }
  return times;
}

const empty = Buffer.alloc(1);
for (let i = 0; i < 5; i++) await comm.allgather(empty); // connections and code paths warm
const allgather = await sample(() => comm.allgather(empty));
const barrier = await sample(() => comm.barrier());
const dir = join(root, `disk-${diskOf(disks, comm.rank)}`);
const layout = await openCache(dir);
// The rendezvous is memoized per communicator: each sample runs on a fresh duplicate.
const dups = [];
for (let i = 0; i < reps; i++) dups.push(await comm.dup());
const rendezvous = await sample((i) => discoverTopology(dups[i], layout.dir, { cpu: 'bench' }));

// The library is built once (untimed), then each sample unloads it (untimed: unload is not part of
// jit()) and jits it again: a real dlopen from the disk cache after the collective lookup.
const signature = source.split('/').pop().replace('.cpp', '');
const call = () =>
  jit({
    signature,
    generate: () => ({ source: readFileSync(source, 'utf8') }),
    params: { cache: { dir } },
    comm,
  });
await call();
const { path: libPath } = await call();
const warmJit = await sample(
  async () => {
    const { origin } = await call();
    if (origin !== 'disk') throw new Error(`expected a disk hit, got ${origin}`);
  },
  () => unload(signature),
);
// The same call's floor without dijitso: one empty allgather and a dlopen of the same library
// (unloaded by jit() first, or the dlopen would only count a reference).
unload(signature);
let floorLib = null;
const warmFloor = await sample(
  async () => {
    await comm.allgather(empty);
    floorLib = koffi.load(libPath);
  },
  () => floorLib?.unload(),
);
if (comm.rank === 0) {
  console.log(
    JSON.stringify({
      impl: 'ours',
      allgather_ms: median(allgather),
      barrier_ms: median(barrier),
      rendezvous_ms: median(rendezvous),
      rendezvous_first_ms: rendezvous[0],
      warm_jit_ms: median(warmJit),
      warm_floor_ms: median(warmFloor),
    }),
  );
}

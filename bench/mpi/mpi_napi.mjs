// mpi-napi side of bench/mpi, on 2 ranks: ping-pong between the ranks (latency at 8 B, bandwidth
// at 1 MiB and 64 MiB) and allreduce of a 1 Mi-element Float64Array.
// Usage: node mpi_napi.mjs <plan.json>. Rank 0 prints one JSON line per case: every repeat's
// time per operation (a one-way message for ping-pong, a call for allreduce).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { world } from 'mpi-napi';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const comm = world();
if (comm.size !== 2) throw new RangeError(`Expected 2 ranks for bench/mpi but received ${comm.size}`);
const peer = 1 - comm.rank;
const first = comm.rank === 0;

// One round trip: rank 0 sends and receives the answer, rank 1 answers. "into" reuses a receive
// Buffer, as mpi4py's Recv into a preallocated buffer does.
const pingPongs = {
  'send/recv into': async (data, into) => {
    if (first) await comm.send(data, peer, 1);
    await comm.recv(peer, 1, { into });
    if (!first) await comm.send(data, peer, 1);
  },
  'sendSync/recvSync into': (data, into) => {
    if (first) comm.sendSync(data, peer, 1);
    comm.recvSync(peer, 1, { into });
    if (!first) comm.sendSync(data, peer, 1);
  },
  'send/recv': async (data) => {
    if (first) await comm.send(data, peer, 1);
    await comm.recv(peer, 1);
    if (!first) await comm.send(data, peer, 1);
  },
};

const reductions = {
  allreduce: (values) => comm.allreduce(values, 'sum'),
  allreduceSync: (values) => comm.allreduceSync(values, 'sum'),
};

// Seconds per iteration of each repeat, after a warm-up, timed on rank 0 between barriers.
async function repeatTimes(iterations, run) {
  for (let i = 0; i < Math.max(3, iterations / 5); i += 1) await run();
  const times = [];
  for (let repeat = 0; repeat < plan.repeats; repeat += 1) {
    await comm.barrier();
    const started = performance.now();
    for (let i = 0; i < iterations; i += 1) await run();
    times.push((performance.now() - started) / 1000 / iterations);
  }
  return times;
}

function report(kind, impl, size, times) {
  if (first) console.log(JSON.stringify({ kind, impl, size, times }));
}

for (const { size, iterations } of plan.pingPong) {
  const data = Buffer.alloc(size, 7);
  const into = Buffer.alloc(size);
  for (const [impl, run] of Object.entries(pingPongs)) {
    const times = await repeatTimes(iterations, () => run(data, into));
    report(
      'pingpong',
      `mpi-napi ${impl}`,
      size,
      times.map((time) => time / 2),
    );
  }
}

const { length, iterations } = plan.allreduce;
const values = Float64Array.from({ length }, (_, i) => i + comm.rank);
for (const [impl, run] of Object.entries(reductions)) {
  report('allreduce', `mpi-napi ${impl}`, length * 8, await repeatTimes(iterations, () => run(values)));
}

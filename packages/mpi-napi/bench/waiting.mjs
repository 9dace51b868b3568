// What the waiting policy (MPI_NAPI_SPIN_US, MPI_NAPI_BACKOFF_US) costs and buys, under mpirun:
//   latency  an empty allgather: median and 90th percentile of the slowest rank's time, in ms
//   late     a barrier that rank 0 reaches after 1 s of busy work: the CPU seconds the other
//            ranks spend waiting (summed), and ms from rank 0's arrival until the last rank returns
//   bcast    a 64 MiB bcast into a reused Buffer: the best of three rounds, in GB/s
// Usage: mpirun -n 8 node packages/mpi-napi/bench/waiting.mjs [latency|late|bcast ...]
// Rank 0 prints one JSON line. Compare settings by running it again with other values.
import { performance } from 'node:perf_hooks';
import { world } from 'mpi-napi';

const comm = world();
const parts = process.argv.length > 2 ? process.argv.slice(2) : ['latency', 'late', 'bcast'];
const sorted = (values) => [...values].sort((a, b) => a - b);
const quantile = (values, q) => sorted(values)[Math.floor(values.length * q)];
// A clock every rank of one host shares, so arrival and return times compare across ranks.
const now = () => performance.timeOrigin + performance.now();

async function latency() {
  const empty = Buffer.alloc(1);
  for (let i = 0; i < 20; i++) await comm.allgather(empty);
  const times = [];
  for (let i = 0; i < 300; i++) {
    await comm.barrier();
    const started = performance.now();
    await comm.allgather(empty);
    times.push(await comm.allreduce(performance.now() - started, 'max'));
  }
  return { allgather_ms: quantile(times, 0.5), allgather_p90_ms: quantile(times, 0.9) };
}

async function late() {
  await comm.barrier();
  const cpuBefore = process.cpuUsage();
  let arrived = 0;
  if (comm.rank === 0) {
    const until = performance.now() + 1000;
    while (performance.now() < until);
    arrived = now();
  }
  await comm.barrier();
  const returned = now();
  const cpu = process.cpuUsage(cpuBefore);
  const waiting = comm.rank === 0 ? 0 : (cpu.user + cpu.system) / 1e6;
  const waitersCpu = await comm.allreduce(waiting, 'sum');
  const lastReturn = await comm.allreduce(returned, 'max');
  const arrival = await comm.allreduce(arrived, 'max');
  return { waiters_cpu_s: waitersCpu, late_barrier_exit_ms: lastReturn - arrival };
}

async function bcast() {
  const size = 64 << 20;
  const data = comm.rank === 0 ? Buffer.alloc(size, 7) : null;
  const into = Buffer.alloc(size);
  for (let i = 0; i < 3; i++) await comm.bcast(data, 0, { into });
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    await comm.barrier();
    const started = performance.now();
    for (let i = 0; i < 16; i++) await comm.bcast(data, 0, { into });
    best = Math.min(best, await comm.allreduce((performance.now() - started) / 16, 'max'));
  }
  return { bcast_64MiB_GBps: size / (best / 1000) / 1e9 };
}

const runs = { latency, late, bcast };
const result = { np: comm.size };
for (const part of parts) {
  if (!(part in runs))
    throw new Error(`Expected latency, late or bcast but received ${JSON.stringify(part)}`);
  Object.assign(result, await runs[part]());
}
if (comm.rank === 0) console.log(JSON.stringify(result));

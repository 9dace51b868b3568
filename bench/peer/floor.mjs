// The physical floor of a cold collective jit() on this machine, without dijitso: rank 0 runs the
// compiler, broadcasts the library's bytes, the first rank of each disk writes them there, and
// every rank dlopens its disk's copy. The waiting ranks wait in mpi-napi as ours do.
//
// With `first-call`, every process also does inside the timed part what a program's first call
// must do in a fresh process: find which ranks share its directory (a probe file each, synced,
// listed after a barrier, the listings gathered), and load koffi (rank 0 once its compiler runs,
// the others when they load the library, as ours do). Without it, koffi is loaded before the timer
// and the disks are known from the rank numbers.
// Usage (under mpirun): node floor.mjs ROOT DISKS SOURCE.cpp [first-call]. Rank 0 prints { floor_ms }.
import { execFile } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { world } from 'mpi-napi';
import { diskOf } from '../lib/mpi.mjs';

const [root, disks, source, mode] = process.argv.slice(2);
const firstCall = mode === 'first-call';
const comm = world();
const dir = join(root, `disk-${diskOf(disks, comm.rank)}`);
mkdirSync(dir, { recursive: true });
const loadKoffi = () => import('koffi').then((module) => module.default);
// Loaded before the timer, or (first call) inside it: see below.
let koffi = firstCall ? null : Promise.resolve(await loadKoffi());

/** Whether this rank is the lowest of the ranks whose probe files it sees in its directory. */
async function firstInDirectory() {
  const probe = join(dir, `probe-${comm.rank}`);
  const fd = openSync(probe, 'w');
  fsyncSync(fd);
  closeSync(fd);
  await comm.barrier();
  const seen = readdirSync(dir)
    .filter((name) => name.startsWith('probe-'))
    .map((name) => Number(name.slice('probe-'.length)));
  await comm.allgather(Buffer.from(seen.join(',')));
  unlinkSync(probe);
  return Math.min(...seen) === comm.rank;
}

await comm.barrier();
const started = performance.now();
const firstOfDisk = firstCall
  ? await firstInDirectory()
  : comm.rank === 0 || diskOf(disks, comm.rank - 1) !== diskOf(disks, comm.rank);
let bytes = null;
if (comm.rank === 0) {
  const out = join(dir, 'built.so');
  await new Promise((resolve, reject) => {
    execFile('c++', ['-shared', '-fPIC', '-O2', '-std=c++17', '-o', out, source], (error) =>
      error ? reject(error) : resolve(),
    );
    koffi ??= loadKoffi();
  });
  bytes = readFileSync(out);
}
bytes = await comm.bcast(bytes, 0);
const lib = join(dir, 'floor.so');
if (firstOfDisk) {
  writeFileSync(`${lib}.tmp`, bytes);
  renameSync(`${lib}.tmp`, lib);
}
await comm.barrier();
(await (koffi ??= loadKoffi())).load(lib);
const ms = await comm.allreduce(performance.now() - started, 'max');
if (comm.rank === 0) console.log(JSON.stringify({ floor_ms: ms }));

// The physical floor of a cold collective jit() on this machine, without dijitso: rank 0 runs the
// compiler, broadcasts the library's bytes, the first rank of each disk writes them there, and
// every rank dlopens its disk's copy. The waiting ranks wait in mpi-napi as ours do.
// Usage (under mpirun): node floor.mjs ROOT DISKS SOURCE.cpp. Rank 0 prints { floor_ms }.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import koffi from 'koffi';
import { world } from 'mpi-napi';
import { diskOf } from '../lib/mpi.mjs';

const [root, disks, source] = process.argv.slice(2);
const comm = world();
const dir = join(root, `disk-${diskOf(disks, comm.rank)}`);
const firstOfDisk = comm.rank === 0 || diskOf(disks, comm.rank - 1) !== diskOf(disks, comm.rank);
mkdirSync(dir, { recursive: true });

await comm.barrier();
const started = performance.now();
let bytes = null;
if (comm.rank === 0) {
  const out = join(dir, 'built.so');
  await promisify(execFile)('c++', ['-shared', '-fPIC', '-O2', '-std=c++17', '-o', out, source]);
  bytes = readFileSync(out);
}
bytes = await comm.bcast(bytes, 0);
const lib = join(dir, 'floor.so');
if (firstOfDisk) {
  writeFileSync(`${lib}.tmp`, bytes);
  renameSync(`${lib}.tmp`, lib);
}
await comm.barrier();
koffi.load(lib);
const ms = await comm.allreduce(performance.now() - started, 'max');
if (comm.rank === 0) console.log(JSON.stringify({ floor_ms: ms }));

// One rank of the cluster benchmark, our side: the rendezvous, then a warm collective jit() of a
// library already in the shared cache DIR (root strategy), each timed from a barrier. jit() runs
// on a private duplicate of the communicator, so it meets the others again: under strace
// (TRACE_DIR set by traced.sh) the first rendezvous is left out, so that the file operations
// counted are those of a program's one jit() call.
// Usage (under test-mpi/cluster/run.sh): node rank.mjs DIR SOURCE.cpp
// Before each phase the rank looks up a marker path (`/dijitso-bench-phase/NAME`, never there), so
// a trace of the rank splits its file operations by phase. Rank 0 prints one JSON line.
import { accessSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { cpuFingerprint } from '@dijitso/compiler';
import { discoverTopology, rendezvousRuns } from '@dijitso/mpi-roles';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const [dir, sourcePath] = process.argv.slice(2);
if (!dir || !sourcePath) throw new Error('usage: node rank.mjs DIR SOURCE.cpp');

function mark(phase) {
  try {
    accessSync(`/dijitso-bench-phase/${phase}`);
  } catch {
    // The lookup is the marker; the path is never there.
  }
}

const comm = world();
await comm.barrier();
mark('rendezvous');
let started = performance.now();
if (process.env.TRACE_DIR === undefined) await discoverTopology(comm, dir, { cpu: cpuFingerprint() });
const rendezvousMs = performance.now() - started;
await comm.barrier();
mark('jit');
started = performance.now();
const result = await jit({
  signature: sourcePath.split('/').pop().replace('.cpp', ''),
  generate: () => ({ source: readFileSync(sourcePath, 'utf8') }),
  params: { cache: { dir } },
  comm,
  strategy: 'root',
});
const jitMs = performance.now() - started;
mark('end');
if (result.lib.func('int add(int a, int b)')(2, 3) !== 5) throw new Error('bad library');

const mine = {
  rank: comm.rank,
  host: hostname(),
  rendezvousMs,
  jitMs,
  origin: result.origin,
  rendezvousRuns: rendezvousRuns(),
};
const all = (await comm.allgather(Buffer.from(JSON.stringify(mine)))).map((b) => JSON.parse(b.toString()));
if (comm.rank === 0) console.log(JSON.stringify({ impl: 'ours', ranks: all }));

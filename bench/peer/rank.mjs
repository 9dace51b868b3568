// One rank of the side-by-side benchmark, our side: every rank jits the same sources collectively.
// Usage (under mpirun): node rank.mjs ROOT DISKS STRATEGY SOURCE.cpp
//   ranks 2k and 2k+1 share ROOT/disk-k (all share ROOT/disk-0 when DISKS is 1).
// The call is a program's first, so it includes the rendezvous (part of what a program pays).
// Rank 0 prints one JSON line with every rank's time.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';
import { diskOf } from '../lib/mpi.mjs';

const [root, disks, strategy, sourcePath] = process.argv.slice(2);
const comm = world();
const dir = join(root, `disk-${diskOf(disks, comm.rank)}`);
const params = { cache: { dir } };

async function timedJit(path) {
  const signature = path.split('/').pop().replace('.cpp', '');
  const started = performance.now();
  const result = await jit({
    signature,
    generate: () => ({ source: readFileSync(path, 'utf8') }),
    params,
    comm,
    strategy,
  });
  const ms = performance.now() - started;
  // Prove the library is usable, outside the timed part.
  if (result.lib.func('int add(int a, int b)')(2, 3) !== 5) throw new Error('bad library');
  // The builder's own compile time (from the cache's meta), to compare with a raw compile alone;
  // loaded only then, so a warm job's start-up is the program's own.
  let built = null;
  if (result.origin === 'built') {
    const { lookupEntry, openCache } = await import('@dijitso/core-cache/runtime');
    built = await lookupEntry(await openCache(dirname(dirname(result.path))), result.key);
  }
  return { ms, origin: result.origin, compileSeconds: built?.meta.compileSeconds ?? null };
}

const mine = { rank: comm.rank, first: await timedJit(sourcePath) };
const all = (await comm.allgather(Buffer.from(JSON.stringify(mine)))).map((b) => JSON.parse(b.toString()));
if (comm.rank === 0) {
  console.log(
    JSON.stringify({
      impl: 'ours',
      first_ms: all.map((r) => r.first.ms),
      origins: all.map((r) => r.first.origin),
      compile_s: Math.max(0, ...all.map((r) => r.first.compileSeconds ?? 0)),
    }),
  );
}

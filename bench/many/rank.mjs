// One rank of the many-libraries benchmark, our side: M signatures jitted collectively, either
// all at once (Promise.all) or one after another, timed inside the job after a first call of
// another signature (the program's first call pays the rendezvous and koffi's import; the timed
// calls are a program's later ones).
// Usage (under mpirun): node rank.mjs ROOT DISKS STRATEGY M LINES MODE SALT
//   ranks 2k and 2k+1 share ROOT/disk-k; MODE is `together` or `one-by-one`; LINES the size of
//   each generated kernel (bench/lib/kernel.mjs); SALT makes the signatures of a run its own.
// Rank 0 prints { seconds, generated, ok }.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';
import { arithmeticSource } from '../lib/kernel.mjs';
import { diskOf } from '../lib/mpi.mjs';

const [root, disks, strategy, count, lines, mode, salt] = process.argv.slice(2);
const comm = world();
const dir = join(root, `disk-${diskOf(disks, comm.rank)}`);
const calls = join(root, `generated-${salt}`);
const request = (i) => ({
  signature: `many_${salt}_${i}`,
  generate: () => {
    appendFileSync(calls, `${i}\n`);
    return { source: arithmeticSource(Number(lines), Number(salt) * 1000 + i) };
  },
  params: { cache: { dir } },
  comm,
  strategy,
});

const first = await jit({ ...request('first'), generate: () => ({ source: arithmeticSource(1) }) });
if (first.lib.func('int add(int a, int b)')(2, 3) !== 5) throw new Error('bad library');
await comm.barrier();
const started = performance.now();
const results = [];
if (mode === 'together') {
  results.push(...(await Promise.all(Array.from({ length: Number(count) }, (_, i) => jit(request(i))))));
} else {
  for (let i = 0; i < Number(count); i++) results.push(await jit(request(i)));
}
const seconds = await comm.allreduce((performance.now() - started) / 1000, 'max');
const ok = results.every((r) => r.lib.func('int add(int a, int b)')(2, 3) === 5);
const allOk = (await comm.allgather(Buffer.from(ok ? '1' : '0'))).every((b) => b.toString() === '1');
await comm.barrier();
if (comm.rank === 0) {
  let generated = 0;
  try {
    generated = readFileSync(calls, 'utf8').trim().split('\n').length;
  } catch {
    // nothing generated: a warm run
  }
  console.log(JSON.stringify({ seconds, generated, ok: allOk }));
}

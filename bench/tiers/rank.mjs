// One rank of the two-tier benchmark: one collective jit() (root) of a library, from node
// directories with or without a shared tier behind them.
// Usage (under mpirun): node rank.mjs DIRBASE DISKS SHARED SIGNATURE LINES
//   ranks 2k and 2k+1 share DIRBASE/disk-k (every rank DIRBASE/disk-0 when DISKS is 1); SHARED is
//   the shared tier's directory, or - for none; LINES the size of the kernel (bench/lib/kernel.mjs).
// Rank 0 prints { ok, generated, origins }.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';
import { arithmeticSource } from '../lib/kernel.mjs';
import { diskOf } from '../lib/mpi.mjs';

const [dirBase, disks, shared, signature, lines] = process.argv.slice(2);
const comm = world();
const calls = join(dirBase, `generated-${signature}`);
const { lib, origin } = await jit({
  signature,
  generate: () => {
    appendFileSync(calls, `${comm.rank}\n`);
    return { source: arithmeticSource(Number(lines)) };
  },
  params: {
    cache: { dir: join(dirBase, `disk-${diskOf(disks, comm.rank)}`), ...(shared === '-' ? {} : { shared }) },
  },
  comm,
  strategy: 'root',
});
const ok = lib.func('int add(int a, int b)')(2, 3) === 5;
const reports = (await comm.allgather(Buffer.from(`${ok ? 1 : 0}${origin}`))).map(String);
if (comm.rank === 0) {
  let generated = 0;
  try {
    generated = readFileSync(calls, 'utf8').trim().split('\n').length;
  } catch {
    // nothing generated
  }
  const origins = {};
  for (const report of reports) origins[report.slice(1)] = (origins[report.slice(1)] ?? 0) + 1;
  console.log(JSON.stringify({ ok: reports.every((r) => r[0] === '1'), generated, origins }));
}

// Where a warm job's CPU goes, per rank: each phase's CPU time (user + system, ms) in the order a
// program meets them, ours against the floor's (the same process loading koffi and the library).
// Usage (under mpirun): node phases.mjs ROOT DISKS STRATEGY SOURCE.cpp   (ours: a warm jit())
//                       node phases.mjs --floor LIB.so                  (the floor)
// Ranks 2k and 2k+1 share ROOT/disk-k, as in rank.mjs. Each rank prints one JSON line at exit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diskOf } from '../lib/mpi.mjs';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const marks = [['start', cpuMs()]];
const mark = (name) => marks.push([name, cpuMs()]);

const { world } = await import('mpi-napi');
mark('import mpi-napi');
const comm = world();
mark('world()');
const args = process.argv.slice(2);
if (args[0] === '--floor') {
  const koffi = (await import('koffi')).default;
  mark('import koffi');
  koffi.load(args[1]);
  mark('koffi.load');
} else {
  const [root, disks, strategy, sourcePath] = args;
  const { jit } = await import('dijitso');
  mark('import dijitso');
  await jit({
    signature: sourcePath.split('/').pop().replace('.cpp', ''),
    generate: () => ({ source: readFileSync(sourcePath, 'utf8') }),
    params: { cache: { dir: join(root, `disk-${diskOf(disks, comm.rank)}`) } },
    comm,
    strategy,
  });
  mark('jit()');
}
process.on('exit', () => {
  mark('exit');
  const phases = {};
  for (let i = 1; i < marks.length; i += 1) phases[marks[i][0]] = +(marks[i][1] - marks[i - 1][1]).toFixed(1);
  console.log(JSON.stringify({ rank: comm.rank, boot_ms: +marks[0][1].toFixed(1), ...phases }));
});

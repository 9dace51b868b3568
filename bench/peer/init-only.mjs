// The start-up floor of our side: a node process that loads mpi-napi and initializes MPI, nothing
// else; given a library's path, it also loads that library with koffi, as any Node program that
// uses it must. With --named-libraries it also does the least a warm jit() asks of the libraries
// the design names: a sha256 (node:crypto) and a msgpack round trip (msgpackr) on every rank, and
// on the first rank of each simulated disk (ranks 2k and 2k+1 share disk k, as in rank.mjs)
// loading proper-lockfile, which that rank's statistics are written under at exit.
// Usage (under mpirun): node init-only.mjs [LIB.so [--named-libraries]]
import { createRequire } from 'node:module';
import { world } from 'mpi-napi';

const comm = world();
const [lib, named] = process.argv.slice(2);
if (lib !== undefined) (await import('koffi')).default.load(lib);
if (named === '--named-libraries') {
  const require = createRequire(import.meta.url);
  const { createHash } = await import('node:crypto');
  const { Packr } = require('msgpackr/index-no-eval');
  const packr = new Packr({ useRecords: false });
  packr.unpack(packr.pack({ key: createHash('sha256').update(lib).digest('hex') }));
  if (comm.rank % 2 === 0) require('proper-lockfile');
}

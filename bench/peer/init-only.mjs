// The start-up floor of our side: a node process that loads mpi-napi and initializes MPI, nothing
// else; given a library's path, it also loads that library with koffi, as any Node program that
// uses it must. Usage (under mpirun): node init-only.mjs [LIB.so]
import { world } from 'mpi-napi';

world();
const lib = process.argv[2];
if (lib !== undefined) (await import('koffi')).default.load(lib);

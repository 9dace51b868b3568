// The start-up floor of our side: a node process that loads mpi-napi and initializes MPI, nothing else.
import { world } from 'mpi-napi';

world();

// Compile-only check, run by `tsc -b`: mpi-napi's communicator must satisfy the Communicator
// interface mpi-roles works with. A type import, so mpi-roles never loads mpi-napi, not even here.
import type { Communicator as MpiNapiCommunicator } from 'mpi-napi';
import type { Communicator } from '../src/communicator.js';

type Satisfies<Implementation extends Communicator> = Implementation;

/** Fails to compile when either side drifts. */
export type MpiNapiSatisfiesCommunicator = Satisfies<MpiNapiCommunicator>;

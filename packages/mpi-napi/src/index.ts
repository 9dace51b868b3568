export { Communicator } from './communicator.js';
export type { BcastOptions, SplitType } from './arguments.js';
export { type ReduceOp, type ReducibleArray } from './reduce.js';
export {
  abort,
  finalize,
  finalized,
  init,
  initialized,
  libraryVersion,
  processorName,
  threadLevel,
  version,
  world,
  type InitOptions,
  type MpiVersion,
} from './environment.js';
export { MpiError, NOT_FROM_MPI, type MpiErrorOptions } from './errors.js';
export { THREAD_LEVELS, type ThreadLevel } from './runtime.js';
export { ANY_SOURCE, ANY_TAG, type Probed, type Received, type RecvOptions } from './p2p.js';
export { isAvailable } from './available.js';

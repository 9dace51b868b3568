export { isCommunicator, type Communicator } from './communicator.js';
export { createFakeWorld } from './fake.js';
export { StrategyError, RendezvousError } from './errors.js';
export type { Topology } from './topology.js';
export { leadersCommunicator } from './leaders.js';
export { discoverTopology, rendezvousRuns, type Rendezvous, type RendezvousOptions } from './rendezvous.js';
export { rankPlace, statDirectory, type DirectoryIdentity, type RankPlace } from './identity.js';
export { basicErrorPayload, reviveBasicError } from './wire.js';
export {
  encodeFrame,
  decodeFrame,
  isErrorFrame,
  FRAME_VERSION,
  type EntryFrame,
  type ErrorFrame,
  type ErrorPayload,
} from './frames.js';
export type { BuildStrategy, BuildTraits, Plan, Transfer } from './strategies/types.js';
export { rootStrategy } from './strategies/root.js';
export { nodeStrategy } from './strategies/node.js';
export { processStrategy } from './strategies/process.js';
export { registerStrategy, resolveStrategy, strategyNames, DEFAULT_STRATEGY } from './strategies/registry.js';
export { validatePlan } from './strategies/validate.js';
export {
  collectiveBuild,
  collectiveRound,
  beginRound,
  agreeOnRound,
  lookupFlag,
  hitsOf,
  FLAG,
  type CollectiveCall,
  type RoundAgreement,
  type RoundInFlight,
  type CollectiveSteps,
  type CollectiveOutcome,
  type CollectiveOrigin,
  type Role,
} from './protocol.js';
export { boundedCommunicator } from './timeout.js';

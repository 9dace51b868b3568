export {
  jit,
  jitAll,
  unload,
  loadedSignatures,
  type JitOptions,
  type JitResult,
  type Origin,
} from './jit.js';
export { factory, type Library } from '@dijitso/loader';
export type { GeneratedCode, GenerateContext, GenerateFn } from './generate.js';
export {
  resolveParams,
  configFiles,
  defaultCacheDir,
  PARAMETER_NAMES,
  type JitParams,
  type CacheParams,
  type ResolvedParams,
  type ParamSources,
} from './params.js';
export type { BuildParams } from '@dijitso/compiler';
export { JitCompileError, CompilerNotFoundError, type Diagnostic } from '@dijitso/compiler';
export {
  DijitsoError,
  SignatureError,
  CacheCorruptError,
  CacheUnsafeError,
  CacheIOError,
  ParameterError,
  LockTimeoutError,
  JitTimeoutError,
  EntryNotFoundError,
} from '@dijitso/core-cache/runtime';
export { JitGenerateError, JitLoadError } from './errors.js';
export { runDoctor, probeCompiler, detectMpi, type DoctorOptions, type HealthCheck } from './doctor-entry.js';
export {
  StrategyError,
  RendezvousError,
  registerStrategy,
  resolveStrategy,
  strategyNames,
  type BuildStrategy,
  type BuildTraits,
  type Plan,
  type Transfer,
  type Topology,
  type Communicator,
  type Role,
} from '@dijitso/mpi-roles';

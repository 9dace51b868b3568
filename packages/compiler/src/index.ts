export {
  checkBuildParams,
  resolveBuild,
  effectiveBuild,
  isHostSpecific,
  buildHash,
  BUILD_PARAM_KEYS,
  type BuildParams,
  type ResolvedBuild,
  type EffectiveBuildParams,
} from './build-config.js';
export { compile, compilerArgs, type CompileRequest, type CompileResult } from './compile.js';
export { parseDiagnostics, formatDiagnostics, type Diagnostic } from './diagnostics.js';
export { JitCompileError, CompilerNotFoundError } from './errors.js';
export { compilerVersion, cpuFingerprint } from './host.js';
export {
  buildIdentity,
  compilerIdentity,
  resolveCompilerIdentity,
  type BuildIdentity,
  type BuildTarget,
  type CompilerIdentity,
} from './identity.js';

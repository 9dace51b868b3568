// The MPI environment: init (explicit or lazy), finalize (explicit or at exit), world, versions.
import { native } from './binding.js';
import { Communicator } from './communicator.js';
import { callNative, MpiError } from './errors.js';
import { pendingCollectives } from './queue.js';
import {
  levelFromNative,
  levelToNative,
  markFinalized,
  providedLevel,
  setProvidedLevel,
  THREAD_LEVELS,
  usableBinding,
  type ThreadLevel,
} from './runtime.js';
import { expectInteger, expectOneOf, integerFromEnv } from './validate.js';

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Thread level to request (default 'multiple'). Async collectives need 'serialized' (then all
   * communicators share one queue) or 'multiple' (one queue per communicator).
   */
  thread?: ThreadLevel;
}

/** MPI standard version the library implements. */
export interface MpiVersion {
  major: number;
  minor: number;
}

let worldComm: Communicator | undefined;
let exitHookInstalled = false;

// How long (µs) a wait polls before it sleeps (src/native/backoff.h); an async collective's wait
// stays on the JS thread that long before a worker thread takes over. Measurements in the README.
const DEFAULT_SPIN_MICROS = 2000;
// The longest sleep (µs) between two polls (src/native/backoff.h); bulk steps never sleep.
const DEFAULT_BACKOFF_MICROS = 2000;

// Tunables from the environment; each rank's own, none has to agree across ranks.
function configureFromEnv(): void {
  native().configure({
    spinMicros: integerFromEnv('MPI_NAPI_SPIN_US', DEFAULT_SPIN_MICROS, 0, 1_000_000),
    backoffMicros: integerFromEnv('MPI_NAPI_BACKOFF_US', DEFAULT_BACKOFF_MICROS, 0, 1_000_000),
    poolLimitBytes: integerFromEnv('MPI_NAPI_POOL_BYTES', 2 ** 30, 0, Number.MAX_SAFE_INTEGER),
  });
}

// A clean exit finalizes MPI. An exit with a failure code, or with a collective still pending,
// does not: MPI_Finalize can wait for ranks that will never arrive, and the launcher already
// ends the job when a rank exits without finalizing.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', (code) => {
    const binding = native();
    if (code !== 0 || pendingCollectives() > 0) return;
    if (binding.initialized() && !binding.finalized()) binding.finalize();
  });
}

/**
 * Initializes MPI (MPI_Init_thread) and returns the thread level MPI provides, which may be
 * lower than requested. Throws MpiError when MPI was already initialized or finalized.
 */
export function init(options: InitOptions = {}): ThreadLevel {
  const thread = options.thread ?? 'multiple';
  expectOneOf(thread, 'options.thread', THREAD_LEVELS);
  const binding = native();
  if (binding.finalized()) throw new MpiError('MPI already finalized; it cannot be initialized again');
  if (binding.initialized()) {
    throw new MpiError(
      `MPI already initialized (thread level ${String(threadLevel())}); call init() only once, before world()`,
    );
  }
  configureFromEnv();
  const provided = levelFromNative(
    binding,
    callNative(() => binding.init(levelToNative(binding, thread))),
  );
  setProvidedLevel(provided);
  installExitHook();
  return provided;
}

/** True once MPI is initialized (by init(), world() or another library in the process). */
export function initialized(): boolean {
  return native().initialized();
}

/** True once MPI is finalized. */
export function finalized(): boolean {
  return native().finalized();
}

/** The thread level MPI provides, or null before init. */
export function threadLevel(): ThreadLevel | null {
  const binding = native();
  if (!binding.initialized() || binding.finalized()) return providedLevel();
  return levelFromNative(
    binding,
    callNative(() => binding.queryThread()),
  );
}

/**
 * Finalizes MPI. Called automatically when the process exits with code 0; call it yourself to
 * finalize earlier. Throws MpiError while async collectives are pending.
 */
export function finalize(): void {
  const binding = usableBinding();
  const pending = pendingCollectives();
  if (pending > 0) throw new MpiError(`cannot finalize MPI while ${pending} async collective(s) are pending`);
  markFinalized();
  callNative(() => binding.finalize());
}

/** MPI_COMM_WORLD. Initializes MPI with the default thread level if needed. */
export function world(): Communicator {
  const binding = native();
  if (!binding.initialized()) init();
  else if (providedLevel() === null) {
    // MPI was initialized by another library in this process: our settings still apply.
    configureFromEnv();
    setProvidedLevel(levelFromNative(binding, binding.queryThread()));
  }
  usableBinding();
  worldComm ??= new Communicator(binding, 0, true);
  return worldComm;
}

/** The MPI standard version of the library (callable before init). */
export function version(): MpiVersion {
  const [major, minor] = callNative(() => native().version());
  return { major, minor };
}

/** The MPI library's own version string, e.g. "Open MPI v4.1.4, …" (callable before init). */
export function libraryVersion(): string {
  return callNative(() => native().libraryVersion());
}

/** This host's name as MPI reports it. Initializes MPI if needed. */
export function processorName(): string {
  world();
  return callNative(() => native().processorName());
}

/** Aborts every process of the job with the given exit code (MPI_Abort on world). */
export function abort(code = 1): never {
  expectInteger(code, 'code', 0, 255);
  const binding = native();
  if (binding.initialized() && !binding.finalized()) binding.abort(0, code);
  process.exit(code);
}

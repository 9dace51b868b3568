import { resolve } from 'node:path';
import {
  DijitsoError,
  ParameterError,
  cacheKey,
  countStat,
  describe,
  openCache,
  validateSignature,
  type CacheLayout,
} from '@dijitso/core-cache/runtime';
import { buildHash, buildIdentity, effectiveBuild, isHostSpecific } from '@dijitso/compiler';
import { LibraryTable, loadLibrary, loaderReady, type Library } from '@dijitso/loader';
import {
  boundedCommunicator,
  isCommunicator,
  resolveStrategy,
  type BuildStrategy,
  type Communicator,
  type Role,
} from '@dijitso/mpi-roles';
import { recordJitCall, type CallOutcome } from './accounting.js';
import { obtainEntry, type BuildJob } from './build.js';
import { obtainCollective, type ServedEntry } from './collective.js';
import { PerCommunicator } from './per-comm.js';
import type { GenerateFn } from './generate.js';
import { resolveParams, type JitParams } from './params.js';

/** Where a library came from. */
export type Origin = 'memory' | 'disk' | 'built' | 'received';

/** Arguments of `jit()`. */
export interface JitOptions {
  /** The program's unique name for the code: `[A-Za-z0-9_.-]{1,200}`, not starting with `.`. */
  signature: string;
  /**
   * Produces the code; called only on a miss, by the process that builds: under MPI only on a rank
   * whose group the strategy makes build, and only when no cache directory of the job holds the code.
   */
  generate: GenerateFn;
  /** Cache and build parameters, over the config files and the environment. */
  params?: JitParams;
  /** Make the call collective over this communicator (every rank calls with the same signature). */
  comm?: Communicator;
  /** Who compiles under MPI: 'root' | 'node' | 'process' | a registered name | a BuildStrategy (default `$DIJITSO_STRATEGY`, else 'root'). */
  strategy?: string | BuildStrategy;
  /**
   * Milliseconds any wait inside the call may take (another process's build, a peer rank's
   * collective) before it becomes a `JitTimeoutError`. Default: no limit.
   */
  timeout?: number;
}

/** What `jit()` returns. */
export interface JitResult {
  /** The loaded library: `lib.func('int add(int a, int b)')`. */
  lib: Library;
  signature: string;
  /** The cache key: the signature plus a hash of the build parameters. */
  key: string;
  /** Absolute path of the loaded `.so`. */
  path: string;
  origin: Origin;
  /** Under MPI: what this rank did ('builder', 'sender', 'receiver', 'leader' or 'member'). */
  role?: Role;
  /** Under MPI: bytes this rank's group received for this call. */
  receivedBytes?: number;
  /** Under MPI: how many groups compiled in the whole job for this call. */
  builds?: number;
}

/** The library could be found or built but the dynamic loader refused it. */
export class JitLoadError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JIT_LOAD_FAILED', message, options);
  }
}

const JIT_OPTION_KEYS = ['signature', 'generate', 'params', 'comm', 'strategy', 'timeout'];
const table = new LibraryTable();

const commIds = new WeakMap<Communicator, number>();
let commCount = 0;

// A library loaded by a collective call is a memory hit only for calls on the same communicator:
// there every rank made the same calls, so every rank hits together and none waits in a collective.
function commId(comm: Communicator | undefined): number {
  if (comm === undefined) return 0;
  let id = commIds.get(comm);
  if (id === undefined) {
    id = ++commCount;
    commIds.set(comm, id);
  }
  return id;
}

/** A call whose options were checked. */
interface CheckedCall {
  signature: string;
  generate: GenerateFn;
  params: JitParams | undefined;
  comm: Communicator | undefined;
  strategy: string | BuildStrategy | undefined;
  timeout: number | undefined;
}

/** Check every option of a call; memory hits included, so a bad call fails the same way every time. */
function checkOptions(options: unknown): CheckedCall {
  if (typeof options !== 'object' || options === null) {
    throw new ParameterError(
      `Expected an object { signature, generate, params? } for jit() but received ${describe(options)}`,
    );
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!JIT_OPTION_KEYS.includes(name)) {
      throw new ParameterError(
        `Unknown option ${name} of jit(); valid options are: ${JIT_OPTION_KEYS.join(', ')}`,
      );
    }
  }
  const signature = validateSignature(given.signature);
  if (typeof given.generate !== 'function') {
    throw new ParameterError(`Expected a function for generate but received ${describe(given.generate)}`);
  }
  if (given.comm !== undefined && !isCommunicator(given.comm)) {
    throw new ParameterError(
      `Expected a communicator (rank, size, barrier, bcast, allgather, split) for comm but received ${describe(given.comm)}`,
    );
  }
  const timeout = given.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw new ParameterError(
      `Expected a positive number of milliseconds for timeout but received ${describe(timeout)}`,
    );
  }
  return {
    signature,
    generate: given.generate as GenerateFn,
    params: given.params as JitParams | undefined,
    comm: given.comm as Communicator | undefined,
    strategy: given.strategy as string | BuildStrategy | undefined,
    timeout: timeout as number | undefined,
  };
}

/**
 * Return the loaded library of `signature`: from this process's table, else from the disk cache,
 * else generate, compile, publish and load it (once across every process sharing the cache).
 * With `comm`, the call is collective: the strategy decides who compiles and who receives.
 */
export async function jit(options: JitOptions): Promise<JitResult> {
  const call = checkOptions(options);
  if (call.comm !== undefined) return inTurn(call.comm, () => jitNow(call));
  return jitNow(call);
}

const turns = new WeakMap<Communicator, Promise<unknown>>();

/**
 * Run collective calls on one communicator one after the other, in the order the program made
 * them: every rank then issues the same collectives in the same order (and decides memory hits
 * at the same point), even when a program starts several jit() calls at once.
 */
function inTurn<T>(comm: Communicator, call: () => Promise<T>): Promise<T> {
  const previous = turns.get(comm) ?? Promise.resolve();
  const mine = previous.then(call, call);
  turns.set(
    comm,
    mine.catch(() => undefined),
  );
  return mine;
}

async function jitNow(call: CheckedCall): Promise<JitResult> {
  const { signature, comm, timeout } = call;
  const { params } = resolveParams(call.params);
  const build = effectiveBuild(params.build);
  const key = cacheKey(signature, buildHash(build, buildIdentity(build)));
  const strategy = comm === undefined ? undefined : resolveStrategy(call.strategy);
  const dir = resolve(
    (comm !== undefined && strategy?.directory?.(params.cache.dir, comm.rank)) || params.cache.dir,
  );
  const fingerprint = `${key}\0${dir}\0${commId(comm)}`;
  const loaded = table.get(signature);
  if (loaded !== undefined && loaded.fingerprint === fingerprint) {
    if (loaded.countAs > 0) countStat(loaded.cacheDir, 'memoryHits', loaded.countAs);
    return { lib: loaded.lib, signature, key, path: loaded.path, origin: 'memory' };
  }
  const job: Omit<BuildJob, 'layout'> = {
    key,
    signature,
    build,
    generate: call.generate,
    params: call.params ?? {},
    findLoaded: (dependency) => table.get(dependency),
    lock: {
      staleMs: params.cache.lockStaleMs,
      timeoutMs: earliest(params.cache.lockTimeoutMs, timeout),
    },
  };

  let layout: CacheLayout;
  let served: ServedEntry;
  // How many calls this one counts as in the statistics: a group's leader counts for its group.
  let countAs = 1;
  let result: Omit<JitResult, 'lib' | 'path' | 'origin'> & CallOutcome;
  if (comm === undefined || strategy === undefined) {
    layout = await openCache(dir);
    const obtained = await obtainEntry({ ...job, layout });
    served = { by: 'own', hit: obtained.hit, libPath: obtained.hit.libPath };
    result = { signature, key, origin: obtained.built ? 'built' : 'disk' };
  } else {
    const bound = timeout === undefined ? comm : bounded(comm, timeout);
    const obtained = await obtainCollective(job, bound, dir, strategy, isHostSpecific(build));
    ({ layout, served } = obtained);
    countAs = obtained.outcome.role === 'member' ? 0 : obtained.groupSize;
    const { origin, role, receivedBytes, builds } = obtained.outcome;
    result = { signature, key, origin, role, receivedBytes, builds };
  }
  const { libPath } = served;
  const lib = await load(served, signature);
  table.set({ signature, key, lib, path: libPath, cacheDir: layout.dir, countAs, fingerprint });
  await recordJitCall(layout, served, result, countAs, params.cache);
  return { ...result, lib, path: libPath };
}

function earliest(...limits: Array<number | undefined>): number | undefined {
  const set = limits.filter((limit): limit is number => limit !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}

const boundedComms = new PerCommunicator<number, Communicator>();

// One bounded view per (communicator, timeout), so the rendezvous stays memoized across calls.
function bounded(comm: Communicator, timeoutMs: number): Communicator {
  return boundedComms.get(comm, timeoutMs, () => boundedCommunicator(comm, timeoutMs));
}

async function load(served: ServedEntry, signature: string): Promise<Library> {
  const { libPath } = served;
  try {
    await loaderReady();
  } catch (error) {
    throw new JitLoadError(`Cannot load ${libPath} (${signature}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await loadLibrary(libPath);
  } catch (error) {
    const leaders =
      served.by === 'own'
        ? ''
        : " The leader of this rank's group found that entry in the same directory during this call: " +
          'if the file is missing, the ranks called jit() with different parameters (their keys differ), ' +
          'or it was removed meanwhile.';
    throw new JitLoadError(
      `The dynamic loader refused ${libPath} (${signature}): ${(error as Error).message}. ` +
        'If a dependency is missing, jit it first into the same cache directory.' +
        leaders,
      { cause: error },
    );
  }
}

/** Unload the library of `signature` from this process; true when it was loaded. Collective under MPI. */
export function unload(signature: string): boolean {
  return table.unload(signature);
}

/** Signatures loaded in this process. */
export function loadedSignatures(): string[] {
  return table.signatures();
}

import {
  DijitsoError,
  ParameterError,
  cacheKey,
  countStat,
  describe,
  libraryCacheDir,
  openCache,
  validateSignature,
} from '@dijitso/core-cache/runtime';
import { buildHash, effectiveBuild, isHostSpecific, type EffectiveBuildParams } from '@dijitso/compiler';
import { LibraryTable, loadLibrary, loaderReady, type Library } from '@dijitso/loader';
import {
  boundedCommunicator,
  isCommunicator,
  resolveStrategy,
  type BuildStrategy,
  type Communicator,
  type Role,
} from '@dijitso/mpi-roles';
import { recordJitCall } from './accounting.js';
import { obtainEntry, type BuildJob } from './build.js';
import { obtainCollective, type ServedEntry } from './collective.js';
import { PerCommunicator } from './per-comm.js';
import type { GenerateFn } from './generate.js';
import { PARAMETER_ENVIRONMENT, resolveParams, type JitParams, type ResolvedParams } from './params.js';

/** Where a library came from. */
export type Origin = 'memory' | 'disk' | 'built' | 'received';

/** Arguments of `jit()`. */
export interface JitOptions {
  /** The program's unique name for the code: `[A-Za-z0-9_.-]{1,200}`, not starting with `.`. */
  signature: string;
  /**
   * Produces the code; called only when this rank's cache directory lacks it, on a rank that builds.
   * Under MPI a rank with a head start (rank 0 for 'root' and 'node') calls it before the ranks know
   * whether another directory holds the code: if one does, that build is abandoned.
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

// What, besides the signature, decides the library; compared on every in-memory hit.
function callFingerprint(options: JitOptions): string {
  let call: string;
  try {
    call = JSON.stringify(options.params ?? null);
  } catch {
    call = `unserializable:${Math.random()}`;
  }
  const strategy = typeof options.strategy === 'object' ? options.strategy?.name : options.strategy;
  const comm = commId(options.comm);
  // DIJITSO_STRATEGY is read by the strategy registry: it picks the directory layout under MPI.
  const env = [...PARAMETER_ENVIRONMENT, 'DIJITSO_STRATEGY'].map((name) => process.env[name]).join('|');
  // The working directory holds a config file and anchors relative cache directories.
  return `${call}|${env}|${process.cwd()}|${strategy}|${comm}`;
}

interface ResolvedCall {
  params: ResolvedParams;
  build: EffectiveBuildParams;
  buildHash: string;
}
// Parameters, build and build hash per call fingerprint, which covers everything they are computed
// from (config files are read once per process): a repeated call skips resolving and hashing.
const resolvedCalls = new Map<string, ResolvedCall>();
const RESOLVED_CALLS_KEPT = 256;

function resolveCall(options: JitOptions, fingerprint: string): ResolvedCall {
  const known = resolvedCalls.get(fingerprint);
  if (known !== undefined) return known;
  const { params } = resolveParams(options.params);
  const build = effectiveBuild(params.build);
  const resolved = { params, build, buildHash: buildHash(build) };
  // Unserializable params get a fresh fingerprint on every call: keep the map bounded.
  if (resolvedCalls.size >= RESOLVED_CALLS_KEPT) resolvedCalls.clear();
  resolvedCalls.set(fingerprint, resolved);
  return resolved;
}

/**
 * Return the loaded library of `signature`: from this process's table, else from the disk cache,
 * else generate, compile, publish and load it (once across every process sharing the cache).
 * With `comm`, the call is collective: the strategy decides who compiles and who receives.
 */
export async function jit(options: JitOptions): Promise<JitResult> {
  const comm = typeof options === 'object' && options !== null ? options.comm : undefined;
  if (comm !== undefined && isCommunicator(comm)) return inTurn(comm, () => jitNow(options));
  return jitNow(options);
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

async function jitNow(options: JitOptions): Promise<JitResult> {
  if (typeof options !== 'object' || options === null) {
    throw new ParameterError(
      `Expected an object { signature, generate, params? } for jit() but received ${describe(options)}`,
    );
  }
  const fingerprint = callFingerprint(options);
  const loaded = table.get(options.signature);
  if (loaded !== undefined && loaded.paramsFingerprint === fingerprint) {
    countStat(libraryCacheDir(loaded.path), 'memoryHits');
    return {
      lib: loaded.lib,
      signature: loaded.signature,
      key: loaded.key,
      path: loaded.path,
      origin: 'memory',
    };
  }
  for (const name of Object.keys(options)) {
    if (!JIT_OPTION_KEYS.includes(name)) {
      throw new ParameterError(
        `Unknown option ${name} of jit(); valid options are: ${JIT_OPTION_KEYS.join(', ')}`,
      );
    }
  }
  const signature = validateSignature(options.signature);
  if (typeof options.generate !== 'function') {
    throw new ParameterError(`Expected a function for generate but received ${describe(options.generate)}`);
  }
  if (options.comm !== undefined && !isCommunicator(options.comm)) {
    throw new ParameterError(
      `Expected a communicator (rank, size, barrier, bcast, allgather, split) for comm but received ${describe(options.comm)}`,
    );
  }
  const timeout = options.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw new ParameterError(
      `Expected a positive number of milliseconds for timeout but received ${describe(timeout)}`,
    );
  }
  const { params, build, buildHash: hash } = resolveCall(options, fingerprint);
  const key = cacheKey(signature, hash);
  const job: Omit<BuildJob, 'layout'> = {
    key,
    signature,
    build,
    generate: options.generate,
    params: options.params ?? {},
    findLoaded: (dependency) => table.get(dependency),
    lock: {
      staleMs: params.cache.lockStaleMs,
      timeoutMs: earliest(params.cache.lockTimeoutMs, timeout),
    },
  };

  let hit: ServedEntry;
  let result: Omit<JitResult, 'lib' | 'path'>;
  if (options.comm === undefined) {
    const layout = await openCache(params.cache.dir);
    const obtained = await obtainEntry({ ...job, layout });
    hit = obtained.hit;
    result = { signature, key, origin: obtained.built ? 'built' : 'disk' };
  } else {
    const comm = timeout === undefined ? options.comm : bounded(options.comm, timeout);
    const strategy = resolveStrategy(options.strategy);
    const dir = strategy.directory?.(params.cache.dir, comm.rank) ?? params.cache.dir;
    const obtained = await obtainCollective(job, comm, dir, strategy, isHostSpecific(build), timeout);
    hit = obtained.hit;
    const { origin, role, receivedBytes, builds } = obtained.outcome;
    result = { signature, key, origin, role, receivedBytes, builds };
  }
  const lib = await load(hit, signature);
  table.set({ signature, key, lib, path: hit.libPath, paramsFingerprint: fingerprint });
  await recordJitCall(hit, result, params.cache);
  return { ...result, lib, path: hit.libPath };
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

async function load(hit: ServedEntry, signature: string): Promise<Library> {
  try {
    await loaderReady();
  } catch (error) {
    throw new JitLoadError(`Cannot load ${hit.libPath} (${signature}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await loadLibrary(hit.libPath);
  } catch (error) {
    // A member loads what its group's leader found, without a look of its own (see obtainCollective).
    const unchecked =
      hit.meta === undefined
        ? " The leader of this rank's group found that entry in the same directory: if the file is " +
          'missing, the ranks called jit() with different parameters, or it was removed meanwhile.'
        : '';
    throw new JitLoadError(
      `The dynamic loader refused ${hit.libPath} (${signature}): ${(error as Error).message}. ` +
        'If a dependency is missing, jit it first into the same cache directory.' +
        unchecked,
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

import { resolve } from 'node:path';
import {
  ParameterError,
  cacheKey,
  countStat,
  describe,
  openCache,
  validateSignature,
} from '@dijitso/core-cache/runtime';
import { buildHash, buildIdentity, effectiveBuild, isHostSpecific } from '@dijitso/compiler';
import { LibraryTable, type Library } from '@dijitso/loader';
import {
  isCommunicator,
  resolveStrategy,
  type BuildStrategy,
  type Communicator,
  type Role,
} from '@dijitso/mpi-roles';
import { recordJitCall, type CallOutcome } from './accounting.js';
import { obtainEntry, type BuildJob } from './build.js';
import type { ServedEntry } from './collective.js';
import { CallRounds, type QueuedCall } from './rounds.js';
import { loadServed } from './load.js';
import type { GenerateFn } from './generate.js';
import { resolveParams, type JitParams } from './params.js';

/** Where a library came from. */
export type Origin = 'memory' | 'disk' | 'built' | 'received' | 'shared';

/** Arguments of `jit()`. */
export interface JitOptions {
  /** The program's unique name for the code: `[A-Za-z0-9_.-]{1,200}`, not starting with `.`. */
  signature: string;
  /**
   * Produces the code; called only on a miss, by the process that builds: under MPI only on a rank
   * whose group the strategy makes build, and only when no cache directory of the job, nor the shared
   * tier (`params.cache.shared`), holds the code.
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
  const queued = prepare(call);
  if (call.comm === undefined) return fromMemory(queued) ?? jitAlone(queued);
  return roundsOf(call.comm).submit(queued);
}

/**
 * Many calls at once, results in order: `jit({ ...common, ...request })` for every request, all
 * started together, so that under MPI they are agreed, built and loaded in one round.
 */
export async function jitAll(
  requests: ReadonlyArray<Partial<JitOptions>>,
  common: Partial<JitOptions> = {},
): Promise<JitResult[]> {
  if (!Array.isArray(requests)) {
    throw new ParameterError(
      `Expected an array of jit() options for jitAll but received ${describe(requests)}`,
    );
  }
  return Promise.all(requests.map((request) => jit({ ...common, ...request } as JitOptions)));
}

/** A checked call with its parameters resolved: its key, directory and build job. */
function prepare(call: CheckedCall): QueuedCall {
  const { signature, comm, timeout } = call;
  const { params } = resolveParams(call.params);
  const build = effectiveBuild(params.build);
  const key = cacheKey(signature, buildHash(build, buildIdentity(build)));
  const strategy = resolveStrategy(call.strategy);
  const dir = resolve(
    (comm !== undefined && strategy.directory?.(params.cache.dir, comm.rank)) || params.cache.dir,
  );
  const fingerprint = `${key}\0${dir}\0${commId(comm)}`;
  const job: Omit<BuildJob, 'layout'> = {
    key,
    signature,
    build,
    generate: call.generate,
    params: call.params ?? {},
    findLoaded: (dependency) => table.get(dependency),
    shared:
      params.cache.shared === undefined
        ? undefined
        : { dir: params.cache.shared, trustedGroup: params.cache.trustedGroup },
    lock: {
      staleMs: params.cache.lockStaleMs,
      timeoutMs: earliest(params.cache.lockTimeoutMs, timeout),
    },
  };
  return {
    key,
    signature,
    fingerprint,
    dir,
    strategy,
    hostSpecific: isHostSpecific(build),
    timeout,
    job,
    cache: params.cache,
  };
}

function fromMemory({ signature, key, fingerprint }: QueuedCall): JitResult | undefined {
  const loaded = table.get(signature);
  if (loaded === undefined || loaded.fingerprint !== fingerprint) return undefined;
  if (loaded.countAs > 0) countStat(loaded.cacheDir, 'memoryHits', loaded.countAs);
  return { lib: loaded.lib, signature, key, path: loaded.path, origin: 'memory' };
}

async function jitAlone(queued: QueuedCall): Promise<JitResult> {
  const { signature, key, dir, job, fingerprint, cache } = queued;
  const layout = await openCache(dir);
  const obtained = await obtainEntry({ ...job, layout });
  const served: ServedEntry = { by: 'own', hit: obtained.hit, libPath: obtained.hit.libPath };
  const result: Omit<JitResult, 'lib' | 'path'> & CallOutcome = {
    signature,
    key,
    origin: obtained.from,
  };
  const lib = await loadServed(served, signature);
  table.set({ signature, key, lib, path: served.libPath, cacheDir: layout.dir, countAs: 1, fingerprint });
  await recordJitCall(layout, served, result, 1, cache);
  return { ...result, lib, path: served.libPath };
}

const rounds = new WeakMap<Communicator, CallRounds<JitResult>>();

// Collective calls on one communicator go through its rounds, in program order.
function roundsOf(comm: Communicator): CallRounds<JitResult> {
  let found = rounds.get(comm);
  if (!found) {
    found = new CallRounds<JitResult>(comm, {
      fromMemory,
      finish: async (call, { lib, layout, served, outcome, groupSize }) => {
        const { signature, key, fingerprint } = call;
        // A group's leader counts the call for its whole group; the others nothing.
        const countAs = outcome.role === 'member' ? 0 : groupSize;
        const { origin, role, receivedBytes, builds } = outcome;
        const result = { signature, key, origin, role, receivedBytes, builds };
        table.set({ signature, key, lib, path: served.libPath, cacheDir: layout.dir, countAs, fingerprint });
        await recordJitCall(layout, served, result, countAs, call.cache);
        return { ...result, lib, path: served.libPath };
      },
    });
    rounds.set(comm, found);
  }
  return found;
}

function earliest(...limits: Array<number | undefined>): number | undefined {
  const set = limits.filter((limit): limit is number => limit !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}

/** Unload the library of `signature` from this process; true when it was loaded. Collective under MPI. */
export function unload(signature: string): boolean {
  return table.unload(signature);
}

/** Signatures loaded in this process. */
export function loadedSignatures(): string[] {
  return table.signatures();
}

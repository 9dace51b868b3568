import type { Stats } from 'node:fs';
import { hostname } from 'node:os';
import {
  CacheLayout,
  fileSystemKind,
  openCacheSync,
  packMsg,
  randomHex,
  unpackMsg,
  type FileSystemKind,
} from '@dijitso/core-cache/runtime';
import type { Communicator } from './communicator.js';
import type { ErrorPayload } from './frames.js';
import { rankPlace, statDirectory, type DirectoryIdentity, type RankPlace } from './identity.js';
import { probeRound } from './probes.js';
import { basicErrorPayload, reviveBasicError } from './wire.js';
import type { Topology } from './topology.js';

/** Options of the rendezvous. */
export interface RendezvousOptions {
  /** This host's CPU fingerprint (compared before shipping host-specific builds). */
  cpu: string;
  /** Probe rounds before an inconsistent view is an error (default 3). */
  attempts?: number;
  /**
   * Opens and checks the cache directory, on the first rank of each kernel, given the `stat` the
   * rendezvous made of it (default `openCacheSync`).
   */
  open?: (dir: string, info: Stats) => CacheLayout;
  /** What of this rank's failure travels to the others (default: code, name, message). */
  serializeError?: (error: unknown) => ErrorPayload;
  /** Rebuilds a failure raised on another rank. */
  reviveError?: (payload: ErrorPayload) => Error;
  /** The kind of file system the directory is on (default: from statfs). */
  kind?: (dir: string) => FileSystemKind;
}

/** The cache directory of this rank and who shares it. */
export interface Rendezvous {
  layout: CacheLayout;
  topology: Topology;
}

const memo = new WeakMap<Communicator, Map<string, Promise<Rendezvous>>>();
let runs = 0;

/** How many rendezvous this process has run. */
export function rendezvousRuns(): number {
  return runs;
}

/**
 * Find which ranks of `comm` share the physical directory `dir` (docs/ARCHITECTURE.md, "A call
 * under MPI"): ranks of one kernel that see the same inode share it, with no file written; the
 * first rank of each kernel opens and checks the cache; a directory on a local file system is
 * shared by no other kernel; only where directories are on a network file system does one rank
 * per kernel write a probe into a fresh folder and look for the others' probes by exact name.
 * Collective; memoized per (communicator, directory); every rank fails together.
 */
export function discoverTopology(
  comm: Communicator,
  dir: string,
  options: RendezvousOptions,
): Promise<Rendezvous> {
  let byDir = memo.get(comm);
  if (!byDir) {
    byDir = new Map();
    memo.set(comm, byDir);
  }
  let pending = byDir.get(dir);
  if (!pending) {
    pending = rendezvous(comm, dir, options);
    byDir.set(dir, pending);
    const forget = byDir;
    pending.catch(() => forget.delete(dir));
  }
  return pending;
}

interface PlaceMessage extends RankPlace {
  /** Rank 0's random id, naming the probe folders. */
  id?: string;
}

interface OpenedMessage extends DirectoryIdentity {
  kind: FileSystemKind;
  writable: boolean;
  host: string;
  cpu: string;
}

async function rendezvous(comm: Communicator, dir: string, options: RendezvousOptions): Promise<Rendezvous> {
  runs += 1;
  const serialize = options.serializeError ?? basicErrorPayload;
  const revive = options.reviveError ?? reviveBasicError;

  // Round 1: where every rank stands (boot id, mount namespace, path), from procfs alone. Ranks
  // with equal places see one directory; the first of them speaks for the others.
  const places = await gatherOrFail<PlaceMessage>(comm, serialize, revive, () => ({
    ...rankPlace(dir),
    ...(comm.rank === 0 ? { id: randomHex(8) } : {}),
  }));
  const id = places[0]!.id!;
  const speakerOf = firstOfEach(places, (p) => `${p.boot}\0${p.mounts}\0${p.path}`);

  // Round 2: each speaker stats the directory (making it when missing), opens and checks the
  // cache, and says which file system it is on; the only file operations before any probe.
  let layout: CacheLayout | undefined;
  const opened = await gatherOrFail<OpenedMessage | null>(comm, serialize, revive, () => {
    if (speakerOf[comm.rank] !== comm.rank) return null;
    const info = statDirectory(dir);
    layout = (options.open ?? openCacheSync)(dir, info);
    const kind = (options.kind ?? fileSystemKind)(layout.dir);
    const { writable } = layout;
    return { dev: info.dev, ino: info.ino, kind, writable, host: hostname(), cpu: options.cpu };
  });
  layout ??= new CacheLayout(dir);
  // Speakers of one kernel that see one inode (containers of one host mounting one directory at
  // different paths) are one kernel group, led by the first of them.
  const kernelLeaderOf = firstOfEach(speakerOf, (speaker) => {
    const { dev, ino } = opened[speaker]!;
    return `${places[speaker]!.boot}\0${dev}\0${ino}`;
  });

  // Round 3, only where kernels may share a directory: probes by exact name between their leaders.
  const kernelLeaders = [...new Set(kernelLeaderOf)];
  const networkLeaders = kernelLeaders.filter((leader) => opened[leader]!.kind === 'network');
  const sharing = new Map<number, number[]>(kernelLeaders.map((leader) => [leader, [leader]]));
  if (networkLeaders.length > 1) {
    const views = await probeRound(comm, layout, id, networkLeaders, options.attempts ?? 3);
    for (const [leader, seen] of views) sharing.set(leader, seen);
  }

  // A group is every rank whose kernel leader shares the directory with the group's first kernel leader.
  const groupLeaderOf = kernelLeaderOf.map((leader) => Math.min(...sharing.get(leader)!));
  const leaders = [...new Set(groupLeaderOf)].sort((a, b) => a - b);
  const indexOf = new Map(leaders.map((leader, group) => [leader, group]));
  const groupOf = groupLeaderOf.map((leader) => indexOf.get(leader)!);
  const groups: number[][] = leaders.map(() => []);
  groupOf.forEach((group, rank) => groups[group]!.push(rank));
  const group = groupOf[comm.rank]!;
  const topology: Topology = {
    rank: comm.rank,
    size: comm.size,
    dir: layout.dir,
    groups,
    groupOf,
    group,
    leaders,
    isLeader: leaders[group] === comm.rank,
    cpus: leaders.map((leader) => opened[leader]!.cpu),
    hosts: leaders.map((leader) => opened[leader]!.host),
    writable: leaders.map((leader) => opened[leader]!.writable),
    id,
  };
  return { layout, topology };
}

/** For each rank, the first rank whose item has the same `name` (linear in ranks). */
function firstOfEach<T>(items: T[], name: (item: T) => string): number[] {
  const first = new Map<string, number>();
  return items.map((item, rank) => {
    const key = name(item);
    const known = first.get(key);
    if (known !== undefined) return known;
    first.set(key, rank);
    return rank;
  });
}

/**
 * Allgather what `make` returns on every rank (msgpack); when `make` threw on any rank, every rank
 * throws the first failure: its own error on that rank, a revived one naming the rank elsewhere.
 */
async function gatherOrFail<T>(
  comm: Communicator,
  serialize: (error: unknown) => ErrorPayload,
  revive: (payload: ErrorPayload) => Error,
  make: () => T,
): Promise<T[]> {
  let failure: unknown;
  let message: { ok: T } | { error: ErrorPayload };
  try {
    message = { ok: make() };
  } catch (error) {
    failure = error;
    message = { error: serialize(error) };
  }
  const all = (await comm.allgather(packMsg(message))).map(
    (bytes) => unpackMsg(bytes) as { ok: T } | { error: ErrorPayload },
  );
  const first = all.findIndex((m) => 'error' in m);
  if (first >= 0) {
    if (first === comm.rank) throw failure;
    const { error } = all[first] as { error: ErrorPayload };
    throw revive({ ...error, message: `${error.message} (raised on rank ${first})` });
  }
  return all.map((m) => (m as { ok: T }).ok);
}

import { closeSync, fsyncSync, openSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomHex, type CacheLayout } from '@dijitso/core-cache/runtime';
import type { Communicator } from './communicator.js';
import { RendezvousError } from './errors.js';
import type { Topology } from './topology.js';

/** Options of the rendezvous. */
export interface RendezvousOptions {
  /** This host's CPU fingerprint (compared before shipping host-specific builds). */
  cpu: string;
  /** Attempts before an inconsistent view is an error (default 3). */
  attempts?: number;
  /** An id every rank already agrees on (from an earlier collective): saves the first broadcast. */
  id?: string;
}

interface View {
  seen: number[];
  cpu: string;
  host: string;
}

const memo = new WeakMap<Communicator, Map<string, Promise<Topology>>>();
let runs = 0;

/** How many rendezvous this process has run (each costs probe files, a barrier and an allgather). */
export function rendezvousRuns(): number {
  return runs;
}

/**
 * Find which ranks of `comm` share `layout`'s physical directory: every rank drops a probe file,
 * lists the folder, and keeps the ranks whose probes it sees. Collective; memoized per
 * (communicator, directory), so it runs once per program.
 */
export function discoverTopology(
  comm: Communicator,
  layout: CacheLayout,
  options: RendezvousOptions,
): Promise<Topology> {
  let byDir = memo.get(comm);
  if (!byDir) {
    byDir = new Map();
    memo.set(comm, byDir);
  }
  let pending = byDir.get(layout.dir);
  if (!pending) {
    pending = rendezvous(comm, layout, options);
    byDir.set(layout.dir, pending);
    // Every rank fails together, so every rank forgets together and may try again.
    const forget = byDir;
    pending.catch(() => forget.delete(layout.dir));
  }
  return pending;
}

async function rendezvous(
  comm: Communicator,
  layout: CacheLayout,
  options: RendezvousOptions,
): Promise<Topology> {
  runs += 1;
  const attempts = options.attempts ?? 3;
  let views: View[] = [];
  let id = '';
  for (let attempt = 1; ; attempt++) {
    id =
      attempt === 1 && options.id !== undefined
        ? options.id
        : (await comm.bcast(comm.rank === 0 ? Buffer.from(randomHex(8)) : null, 0)).toString();
    const { seen, probe } = await dropAndList(comm, layout, id);
    // The allgather is also the barrier that keeps every probe in place until everyone has listed.
    // A few hundred bytes of plain data: JSON.
    const gathered = await comm.allgather(
      Buffer.from(JSON.stringify({ seen, cpu: options.cpu, host: hostname() })),
    );
    try {
      unlinkSync(probe);
    } catch {
      // Already gone (a cleaner ran): it has served.
    }
    views = gathered.map((bytes) => JSON.parse(bytes.toString()) as View);
    const problem = inconsistency(views);
    if (problem === null) break;
    if (attempt >= attempts) {
      throw new RendezvousError(
        `The ranks disagree on who shares the cache directory ${layout.dir} after ${attempts} attempts: ${problem}. ` +
          'This happens on network file systems that cache directory listings (NFS attribute caching); ' +
          'mount the cache with lookupcache=positive or noac, or choose a node-local directory.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
  const leaderOf = views.map((view) => view.seen[0]!);
  const leaders = [...new Set(leaderOf)].sort((a, b) => a - b);
  const groupOf = leaderOf.map((leader) => leaders.indexOf(leader));
  const groups = leaders.map((leader) => views[leader]!.seen);
  const group = groupOf[comm.rank]!;
  const isLeader = leaders[group] === comm.rank;
  return {
    rank: comm.rank,
    size: comm.size,
    dir: layout.dir,
    groups,
    groupOf,
    group,
    leaders,
    isLeader,
    cpus: leaders.map((leader) => views[leader]!.cpu),
    hosts: leaders.map((leader) => views[leader]!.host),
    id,
  };
}

/**
 * Drop this rank's probe, wait for everyone's, list them; returns the ranks seen and the probe to
 * remove. The file calls are synchronous: each is one small system call, and the rank has nothing
 * else to do until the barrier. The asynchronous ones cost a first use of node's FileHandle
 * (1.5-3 ms of CPU) and a thread-pool round trip each, paid by every rank of a job at once.
 */
async function dropAndList(
  comm: Communicator,
  layout: CacheLayout,
  id: string,
): Promise<{ seen: number[]; probe: string }> {
  const mine = join(layout.commDir, `${id}.${comm.rank}`);
  writeFileSync(mine, `${hostname()} ${process.pid}\n`);
  syncFolder(layout.commDir);
  await comm.barrier();
  const prefix = `${id}.`;
  const seen = readdirSync(layout.commDir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => Number(name.slice(prefix.length)))
    .filter((rank) => Number.isInteger(rank) && rank >= 0 && rank < comm.size)
    .sort((a, b) => a - b);
  return { seen, probe: mine };
}

// Make the new directory entry durable and visible to other clients of a network file system.
function syncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the barrier still orders the listing.
  } finally {
    closeSync(fd);
  }
}

/** Null when every rank's view is a consistent partition; else a description of the first conflict. */
function inconsistency(views: View[]): string | null {
  for (const [rank, view] of views.entries()) {
    if (!view.seen.includes(rank)) return `rank ${rank} does not see its own probe file`;
    for (const other of view.seen) {
      const theirs = views[other]!.seen;
      if (theirs.length !== view.seen.length || theirs.some((r, i) => r !== view.seen[i])) {
        return `rank ${rank} sees [${view.seen.join(', ')}] but rank ${other} sees [${theirs.join(', ')}]`;
      }
    }
  }
  return null;
}

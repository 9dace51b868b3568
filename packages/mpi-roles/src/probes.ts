import { mkdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CacheLayout } from '@dijitso/core-cache/runtime';
import type { Communicator } from './communicator.js';
import { RendezvousError } from './errors.js';

/**
 * Which of `leaders` (one rank per kernel whose directory is on a network file system) see each
 * other's probe files, as a map leader → the leaders it shares its directory with. Each leader
 * writes a probe into a folder no one has looked at before (so no client can have cached it
 * missing), then, after a barrier, looks the others' probes up by exact name: a listing could be
 * stale for the client's cache time, a lookup of a name never looked up cannot. Views that do not
 * form a partition are retried in a new folder, then a RendezvousError on every rank.
 */
export async function probeRound(
  comm: Communicator,
  layout: CacheLayout,
  id: string,
  leaders: number[],
  attempts: number,
): Promise<Map<number, number[]>> {
  const probing = leaders.includes(comm.rank);
  let problem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const folder = join(layout.commDir, `${id}-${attempt}`);
    const probe = join(folder, String(comm.rank));
    if (probing) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      writeFileSync(probe, `${hostname()} ${process.pid}\n`, { mode: 0o600 });
    }
    await comm.barrier();
    const seen = probing
      ? leaders.filter((leader) => leader === comm.rank || exists(join(folder, String(leader))))
      : [];
    // The allgather also keeps every probe in place until every leader has looked.
    const gathered = await comm.allgather(Buffer.from(probing ? JSON.stringify(seen) : ''));
    if (probing) removeProbe(probe, folder);
    const views = new Map(
      leaders.map((leader) => [leader, JSON.parse(gathered[leader]!.toString()) as number[]]),
    );
    const inconsistent = partitionProblem(views);
    if (inconsistent === null) return views;
    problem = inconsistent;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
  throw new RendezvousError(
    `The ranks disagree on who shares the cache directory ${layout.dir} after ${attempts} rounds of probe files: ` +
      `${problem}. A probe file written by one host was not found by its exact name from another after a ` +
      'barrier: either the hosts mount different directories at this path, or the file system makes new files ' +
      'visible to other clients late (on NFS, mount the cache with noac, or use a node-local cache directory).',
  );
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

function removeProbe(probe: string, folder: string): void {
  try {
    unlinkSync(probe);
  } catch {
    // Already gone (a cleaner ran): it has served.
  }
  try {
    rmdirSync(folder);
  } catch {
    // Another leader's probe is still there; the last one out removes the folder, gc the rest.
  }
}

/** Null when every leader's view is a consistent partition; else a description of the first conflict. */
function partitionProblem(views: Map<number, number[]>): string | null {
  for (const [leader, seen] of views) {
    if (!seen.includes(leader)) return `rank ${leader} does not see its own probe file`;
    for (const other of seen) {
      const theirs = views.get(other)!;
      if (theirs.length !== seen.length || theirs.some((r, i) => r !== seen[i])) {
        return `rank ${leader} sees [${seen.join(', ')}] but rank ${other} sees [${theirs.join(', ')}]`;
      }
    }
  }
  return null;
}

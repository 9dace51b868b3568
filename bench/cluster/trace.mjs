// Counting a job's file operations on the shared cache from the trace files of traced.sh: one
// file per thread, named <hostname>.<rank>.<tid>, lines `SECONDS syscall(args) = result`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The phases of a rank, in order: each starts at its marker (`/dijitso-bench-phase/NAME`). */
export const PHASES = ['start', 'rendezvous', 'jit', 'exit'];
const MARKERS = { rendezvous: 'rendezvous', jit: 'jit', end: 'exit' };
const MARKER = '"/dijitso-bench-phase/';
const LINE = /^(\d+\.\d+) (\w+)\((.*)\) += /;
// A rank's command line names the cache directory: its exec is not an operation on it.
const NOT_COUNTED = new Set(['execve', 'execveat']);

/**
 * Count, per rank, the traced calls whose arguments name a path under `shared`: as a path string
 * (`path`: open, stat, mkdir, rename, unlink, ...) or as a descriptor that strace -y shows opened
 * there (`fd`: read, mmap, fstat, getdents64, close, ...). Split by phase and by syscall name.
 */
export function countTraces(traceDir, shared) {
  const asPath = [`"${shared}/`, `"${shared}"`];
  const asFd = [`<${shared}/`, `<${shared}>`];
  const ranks = new Map();
  for (const name of readdirSync(traceDir)) {
    const match = /^(.+)\.(\d+)\.(\d+)$/.exec(name);
    if (!match) continue;
    const [, host, rankText] = match;
    const rank = Number(rankText);
    let entry = ranks.get(rank);
    if (!entry) {
      entry = { rank, host, markers: {}, calls: [] };
      ranks.set(rank, entry);
    }
    for (const line of readFileSync(join(traceDir, name), 'utf8').split('\n')) {
      const marker = line.indexOf(MARKER);
      if (marker < 0 && !line.includes(shared)) continue;
      const parsed = LINE.exec(line);
      if (!parsed) continue;
      const [, seconds, syscall, args] = parsed;
      const at = Number(seconds);
      if (NOT_COUNTED.has(syscall)) continue;
      if (marker >= 0) {
        const phase = MARKERS[line.slice(marker + MARKER.length).split('"')[0]];
        if (phase) entry.markers[phase] = Math.min(entry.markers[phase] ?? Infinity, at);
        continue;
      }
      const kind = asPath.some((p) => args.includes(p))
        ? 'path'
        : asFd.some((p) => args.includes(p))
          ? 'fd'
          : null;
      if (kind) entry.calls.push({ at, syscall, kind });
    }
  }
  return [...ranks.values()]
    .sort((a, b) => a.rank - b.rank)
    .map(({ rank, host, markers, calls }) => {
      const missing = Object.values(MARKERS).filter((phase) => markers[phase] === undefined);
      if (missing.length > 0)
        throw new Error(`rank ${rank}: no marker of phase ${missing.join(', ')} in its trace`);
      const byPhase = Object.fromEntries(PHASES.map((phase) => [phase, 0]));
      const bySyscall = {};
      const byKind = { path: 0, fd: 0 };
      for (const call of calls) {
        const phase = PHASES.findLast((p) => p === 'start' || markers[p] <= call.at);
        byPhase[phase] += 1;
        bySyscall[call.syscall] = (bySyscall[call.syscall] ?? 0) + 1;
        byKind[call.kind] += 1;
      }
      return { rank, host, total: calls.length, ...byKind, byPhase, bySyscall };
    });
}

/** Sum rank counts into job totals (per host, per phase, per syscall), keeping each rank's counts. */
export function summarizeCounts(ranks) {
  const perHost = {};
  const byPhase = Object.fromEntries(PHASES.map((phase) => [phase, 0]));
  const bySyscall = {};
  let path = 0;
  let fd = 0;
  for (const r of ranks) {
    perHost[r.host] = (perHost[r.host] ?? 0) + r.total;
    for (const [phase, n] of Object.entries(r.byPhase)) byPhase[phase] += n;
    for (const [syscall, n] of Object.entries(r.bySyscall))
      bySyscall[syscall] = (bySyscall[syscall] ?? 0) + n;
    path += r.path;
    fd += r.fd;
  }
  const totals = ranks.map((r) => r.total);
  return {
    ranks,
    total: path + fd,
    path,
    fd,
    perRank: totals,
    perRankMax: Math.max(...totals),
    perRankMin: Math.min(...totals),
    perHost: Object.values(perHost),
    byPhase,
    bySyscall: Object.fromEntries(Object.entries(bySyscall).sort((a, b) => b[1] - a[1])),
  };
}

/** The counters kept per cache directory. */
export interface StatsCounters {
  /** `jit()` calls served from the process's table of loaded libraries. */
  memoryHits: number;
  /** `jit()` calls served from the disk cache. */
  diskHits: number;
  /** `jit()` calls whose first lookup found nothing (built here, waited for, or received). */
  misses: number;
  /** Compiles run by this cache's users. */
  builds: number;
  /** Builds that failed: the compiler reported errors, or the generate callback threw. */
  failures: number;
  /** Seconds those compiles took. */
  compileSeconds: number;
  /** Entries received from another group over MPI. */
  received: number;
  /** Bytes of those entries. */
  bytesReceived: number;
  /** Corrupt entries found, moved to `err/` and rebuilt. */
  corruptHealed: number;
  /** Entries copied into this cache from the shared tier (`cache.shared`) instead of built. */
  sharedHits: number;
  /** Bytes read from the shared tier for those copies. */
  sharedBytes: number;
  /** Entries of the shared tier found corrupt (never copied). */
  sharedCorrupt: number;
}

/** The name of one counter. */
export type StatName = keyof StatsCounters;

/** The names of every counter, in display order. */
export const STAT_NAMES: readonly StatName[] = [
  'memoryHits',
  'diskHits',
  'misses',
  'builds',
  'failures',
  'compileSeconds',
  'received',
  'bytesReceived',
  'corruptHealed',
  'sharedHits',
  'sharedBytes',
  'sharedCorrupt',
];

/** Counters that are all zero. */
export function zeroCounters(): StatsCounters {
  return Object.fromEntries(STAT_NAMES.map((name) => [name, 0])) as unknown as StatsCounters;
}

/** Add `more` into `total`. */
export function addCounters(total: StatsCounters, more: StatsCounters): void {
  for (const name of STAT_NAMES) total[name] += more[name];
}

/** True when every counter is zero. */
export function isZero(counters: StatsCounters): boolean {
  return STAT_NAMES.every((name) => counters[name] === 0);
}

/** `value` as counters when it is a map of finite, non-negative numbers (missing ones are 0). */
export function checkCounters(value: unknown): StatsCounters | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const given = value as Record<string, unknown>;
  const counters = zeroCounters();
  for (const name of STAT_NAMES) {
    const count = given[name] ?? 0;
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) return undefined;
    counters[name] = count;
  }
  return counters;
}

export * from './runtime.js';
export {
  scanEntries,
  listEntries,
  describeEntries,
  summarizeEntries,
  resolveEntry,
  readEntry,
  readLz4Text,
  signatureOfKey,
  type ScannedEntry,
  type EntryInfo,
  type EntryContents,
} from './entries.js';
export { extractEntry, type ExtractOptions } from './extract.js';
export { searchSources, type SourceMatch, type SearchOptions } from './grep.js';
export { readStats, zeroStats, type CacheStatistics } from './stats.js';
export { STAT_NAMES, zeroCounters } from './stats-counters.js';
export { STATS_SLOTS } from './stats-files.js';
export { foldOldStats } from './stats-slots.js';
export {
  removeLeftovers,
  removeFiles,
  LEFTOVER_GRACE_MS,
  FAILURE_MAX_AGE_MS,
  type LeftoverCounts,
  type LeftoverOptions,
} from './housekeeping.js';
export { collectGarbage, type GcOptions, type GcReport, type EvictedEntry } from './gc.js';
export { cleanCache, type CleanReport } from './clean.js';
export {
  checkCacheDirectory,
  verifyEntries,
  LOW_SPACE_BYTES,
  type HealthCheck,
  type CheckStatus,
  type CorruptEntry,
} from './doctor.js';

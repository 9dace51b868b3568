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
export {
  readStats,
  zeroStats,
  mergeStats,
  zeroCounters,
  STAT_NAMES,
  type StatsCounters,
  type StatName,
  type CacheStatistics,
} from './stats.js';
export {
  removeLeftovers,
  removeFiles,
  LEFTOVER_GRACE_MS,
  FAILURE_MAX_AGE_MS,
  type LeftoverCounts,
  type LeftoverOptions,
} from './housekeeping.js';
export {
  collectGarbage,
  STATS_MERGE_AGE_MS,
  type GcOptions,
  type GcReport,
  type EvictedEntry,
} from './gc.js';
export { cleanCache, type CleanReport } from './clean.js';
export {
  checkCacheDirectory,
  verifyEntries,
  LOW_SPACE_BYTES,
  type HealthCheck,
  type CheckStatus,
  type CorruptEntry,
} from './doctor.js';

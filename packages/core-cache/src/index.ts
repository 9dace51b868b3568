export {
  DijitsoError,
  SignatureError,
  CacheCorruptError,
  CacheUnsafeError,
  CacheIOError,
  ParameterError,
  JitTimeoutError,
  EntryNotFoundError,
  describe,
} from './errors.js';
export { validateSignature, cacheKey, isCacheKey, MAX_SIGNATURE_LENGTH } from './signature.js';
export {
  CacheLayout,
  openCache,
  openCacheSync,
  forgetOpenedCaches,
  libraryCacheDir,
  sourceExtension,
  type Language,
} from './layout.js';
export { encodeMeta, decodeMeta, checkMeta, type EntryMeta, type BuildRecord } from './meta.js';
export { packMsg, unpackMsg, compressFrame, decompressFrame, preloadCodecs } from './codec.js';
export {
  lookupEntry,
  quarantineEntry,
  readMeta,
  readEntryFiles,
  sha256Hex,
  type CacheHit,
  type LookupOptions,
  type EntryFiles,
} from './entry.js';
export { publishEntry, makeStaging, ioError, type EntryToPublish } from './publish.js';
export {
  buildOnce,
  withLockIfFree,
  isKeyLocked,
  LockTimeoutError,
  type LockOptions,
  type BuildOnceResult,
} from './lock.js';
export { parseSize, parseDuration, formatBytes } from './units.js';
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
  countStat,
  flushStats,
  pendingStats,
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
  collectGarbageIfDue,
  STATS_MERGE_AGE_MS,
  SIZE_CHECK_INTERVAL_MS,
  PUBLISHES_BETWEEN_SIZE_CHECKS,
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

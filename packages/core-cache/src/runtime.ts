// What a program that only jits needs: loading this instead of the package's main entry leaves
// out the cache tools (listing, grep, extract, gc, clean, doctor).
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
  unwritableCacheError,
  sourceExtension,
  type Language,
  type OpenOptions,
} from './layout.js';
export { groupId, inGroup } from './trust.js';
export { fileSystemKind, type FileSystemKind } from './fs-kind.js';
export { encodeMeta, decodeMeta, checkMeta, type EntryMeta, type BuildRecord } from './meta.js';
export { packMsg, unpackMsg, compressFrame, decompressFrame } from './codec.js';
export {
  lookupEntry,
  isPublishedFile,
  LAST_USE_RESOLUTION_MS,
  quarantineEntry,
  readMeta,
  readEntryFiles,
  type CacheHit,
  type LookupOptions,
  type EntryFiles,
} from './entry.js';
export {
  publishEntry,
  metaBeforePublish,
  makeStaging,
  removeStaging,
  ioError,
  type EntryToPublish,
} from './publish.js';
export {
  buildOnce,
  withLockIfFree,
  isKeyLocked,
  LockTimeoutError,
  type LockOptions,
  type BuildOnceResult,
} from './lock.js';
export { withHostSlot, usableCpus } from './slots.js';
export { parseSize, parseDuration, formatBytes } from './units.js';
export { randomHex, sha256Text, sha256Hex } from './hash.js';
export { countStat, flushStats, flushStatsSync, pendingStats, STATS_FLUSH_INTERVAL_MS } from './stats.js';
export type { StatName, StatsCounters } from './stats-counters.js';
export { collectGarbageIfDue, SIZE_CHECK_INTERVAL_MS, PUBLISHES_BETWEEN_SIZE_CHECKS } from './size-limit.js';

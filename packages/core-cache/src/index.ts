export {
  DijitsoError,
  SignatureError,
  CacheCorruptError,
  CacheUnsafeError,
  CacheIOError,
  ParameterError,
  describe,
} from './errors.js';
export { validateSignature, cacheKey, isCacheKey, MAX_SIGNATURE_LENGTH } from './signature.js';
export {
  CacheLayout,
  openCache,
  openCacheSync,
  forgetOpenedCaches,
  sourceExtension,
  type Language,
} from './layout.js';
export { encodeMeta, decodeMeta, checkMeta, type EntryMeta, type BuildRecord } from './meta.js';
export { packMsg, unpackMsg, compressFrame, decompressFrame, preloadCodecs } from './codec.js';
export {
  lookupEntry,
  quarantineEntry,
  readMeta,
  sha256Hex,
  type CacheHit,
  type LookupOptions,
} from './entry.js';
export { publishEntry, makeStaging, ioError, type EntryToPublish } from './publish.js';
export { buildOnce, LockTimeoutError, type LockOptions, type BuildOnceResult } from './lock.js';

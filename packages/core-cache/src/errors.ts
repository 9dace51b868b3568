/** Base class of every error dijitso throws; `code` is stable across versions, `name` is the class name. */
export class DijitsoError extends Error {
  /** A stable, machine-readable identifier of what went wrong. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A signature that is not `[A-Za-z0-9_.-]{1,200}` or starts with `.`. */
export class SignatureError extends DijitsoError {
  constructor(message: string) {
    super('SIGNATURE_INVALID', message);
  }
}

/** A cache entry or message that failed its integrity checks. */
export class CacheCorruptError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_CORRUPT', message, options);
  }
}

/** A cache directory that is unsafe to load code from (writable by others, owned by another user, a symlink). */
export class CacheUnsafeError extends DijitsoError {
  /** The path that failed the check. */
  readonly path: string;

  constructor(path: string, message: string) {
    super('CACHE_UNSAFE', message);
    this.path = path;
  }
}

/** A cache operation that failed for a reason of the file system (no space, permissions, I/O). */
export class CacheIOError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE_IO', message, options);
  }
}

/** A cache entry named by signature or key that the cache does not hold. */
export class EntryNotFoundError extends DijitsoError {
  /** The signature or key that was looked for. */
  readonly ref: string;

  constructor(ref: string, message: string) {
    super('CACHE_ENTRY_NOT_FOUND', message);
    this.ref = ref;
  }
}

/** A parameter (of a call, a config file or the environment) that has the wrong key, type or value. */
export class ParameterError extends DijitsoError {
  constructor(message: string) {
    super('PARAMETER_INVALID', message);
  }
}

/** Describe a value for an error message: its type and a short rendering. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (Buffer.isBuffer(value)) return `Buffer of ${value.length} bytes`;
  return typeof value;
}

/** A wait inside `jit()` (another process's build, a peer rank's collective) took longer than allowed. */
export class JitTimeoutError extends DijitsoError {
  constructor(message: string) {
    super('JIT_TIMEOUT', message);
  }
}

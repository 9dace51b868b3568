import { CacheCorruptError } from './errors.js';
import type { Language } from './layout.js';
import { packMsg, unpackMsg } from './codec.js';

/** What a build was made with; part of the meta and the source of the key's parameter hash. */
export interface BuildRecord {
  /** The compiler command as run (e.g. `c++`). */
  compiler: string;
  /** The compiler's version line, as printed by `--version`. */
  compilerVersion: string;
  /** Every argument given to the compiler, with staging paths replaced by placeholders. */
  args: string[];
  /** True when a flag ties the binary to this CPU (e.g. `-march=native`). */
  hostSpecific: boolean;
  /** Fingerprint of the CPU that built it (model and flags), to compare with receivers. */
  cpu: string;
  /** The file the compiler command ran, as the key covers it (absent in entries of older versions). */
  compilerFile?: { path: string; size: number; mtimeMs: number };
  /** `process.arch` and `process.platform` of the builder, as the key covers them (absent in older entries). */
  target?: { arch: string; platform: string };
}

/** Metadata stored beside each published library (`lib/<key>.meta`, msgpack). */
export interface EntryMeta {
  v: 1;
  signature: string;
  key: string;
  language: Language;
  /** Byte size of the `.so`. */
  size: number;
  /** sha256 of the `.so`, hex. */
  sha256: string;
  hasHeader: boolean;
  build: BuildRecord;
  /** Keys of the libraries this one links against. */
  dependencies: string[];
  /** Milliseconds since the epoch of the build. */
  created: number;
  /** Seconds the compiler ran. */
  compileSeconds: number;
  /** Host that compiled it. */
  builtOn: string;
  /** Inode and mtime of the `.so` as published: while they hold, the bytes are the ones hashed. */
  published: { ino: number; mtimeMs: number };
}

/** Serialize meta for the disk or a frame. */
export function encodeMeta(meta: EntryMeta): Buffer {
  return packMsg(meta);
}

/** Parse and check meta read from `where`; anything malformed is a `CacheCorruptError`. */
export function decodeMeta(bytes: Buffer, where: string): EntryMeta {
  let value: unknown;
  try {
    value = unpackMsg(bytes);
  } catch (error) {
    throw new CacheCorruptError(`Unreadable metadata in ${where}: not msgpack`, { cause: error });
  }
  return checkMeta(value, where);
}

/** Check that `value` has the shape of `EntryMeta`. */
export function checkMeta(value: unknown, where: string): EntryMeta {
  const bad = (field: string): never => {
    throw new CacheCorruptError(
      `Invalid metadata in ${where}: field "${field}" is missing or has the wrong type`,
    );
  };
  if (typeof value !== 'object' || value === null) return bad('(root)');
  const m = value as Record<string, unknown>;
  if (m.v !== 1) bad('v');
  for (const field of ['signature', 'key', 'sha256', 'builtOn'] as const) {
    if (typeof m[field] !== 'string') bad(field);
  }
  if (m.language !== 'c' && m.language !== 'c++') bad('language');
  for (const field of ['size', 'created', 'compileSeconds'] as const) {
    if (typeof m[field] !== 'number' || !Number.isFinite(m[field])) bad(field);
  }
  if (typeof m.hasHeader !== 'boolean') bad('hasHeader');
  if (!Array.isArray(m.dependencies) || !m.dependencies.every((d) => typeof d === 'string'))
    bad('dependencies');
  const build = m.build as Record<string, unknown> | undefined;
  if (
    typeof build !== 'object' ||
    build === null ||
    typeof build.compiler !== 'string' ||
    typeof build.compilerVersion !== 'string' ||
    !Array.isArray(build.args) ||
    !build.args.every((a) => typeof a === 'string') ||
    typeof build.hostSpecific !== 'boolean' ||
    typeof build.cpu !== 'string' ||
    !optionalShape(build.compilerFile, { path: 'string', size: 'number', mtimeMs: 'number' }) ||
    !optionalShape(build.target, { arch: 'string', platform: 'string' })
  ) {
    bad('build');
  }
  const published = m.published as Record<string, unknown> | undefined;
  if (typeof published !== 'object' || published === null) bad('published');
  else if (typeof published.ino !== 'number' || typeof published.mtimeMs !== 'number') bad('published');
  if (!/^[0-9a-f]{64}$/.test(m.sha256 as string)) bad('sha256');
  return value as EntryMeta;
}

// Absent, or an object whose named fields have the named types (numbers finite).
function optionalShape(value: unknown, fields: Record<string, 'string' | 'number'>): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(fields).every(([name, type]) =>
    type === 'number' ? Number.isFinite(record[name]) : typeof record[name] === type,
  );
}

import {
  CacheCorruptError,
  checkMeta,
  describe,
  packMsg,
  unpackMsg,
  type EntryMeta,
} from '@dijitso/core-cache/runtime';

/** Version of the frame format; a receiver refuses other versions. */
export const FRAME_VERSION = 1;

/** A published entry on the wire: everything a receiver needs to publish it. */
export interface EntryFrame {
  v: typeof FRAME_VERSION;
  signature: string;
  key: string;
  meta: EntryMeta;
  /** The library and the lz4 frames of source, header and compiler log. */
  files: { lib: Buffer; src: Buffer; header?: Buffer | undefined; log?: Buffer | undefined };
  /** sha256 of `files.lib`, checked by the receiver before publishing. */
  sha256: string;
}

/** What travels of an error, so every rank can raise the same one. */
export interface ErrorPayload {
  code: string;
  name: string;
  message: string;
  /** Structured details the error class carries (e.g. compiler diagnostics). */
  details?: Record<string, unknown> | undefined;
}

/** A failure on the wire, in place of an entry. */
export interface ErrorFrame {
  v: typeof FRAME_VERSION;
  error: ErrorPayload;
}

/** Serialize an entry or error frame (standard msgpack). */
export function encodeFrame(frame: EntryFrame | ErrorFrame): Buffer {
  return packMsg(frame);
}

/**
 * Parse and check a frame; anything malformed (truncated, wrong version, wrong types, a lib whose
 * size differs from its meta) is a `CacheCorruptError`. Lengths are checked before allocating.
 */
export function decodeFrame(bytes: Buffer, from: string): EntryFrame | ErrorFrame {
  let value: unknown;
  try {
    value = unpackMsg(bytes);
  } catch (error) {
    throw new CacheCorruptError(
      `Unreadable frame from ${from} (${bytes.length} bytes): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const bad = (what: string): never => {
    throw new CacheCorruptError(`Invalid frame from ${from}: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return bad(`expected a map, got ${describe(value)}`);
  const frame = value as Record<string, unknown>;
  if (frame.v !== FRAME_VERSION) bad(`version ${describe(frame.v)}, expected ${FRAME_VERSION}`);
  if ('error' in frame) {
    const error = frame.error as Record<string, unknown> | null;
    if (typeof error !== 'object' || error === null) return bad('error is not a map');
    for (const field of ['code', 'name', 'message'] as const) {
      if (typeof error[field] !== 'string') bad(`error.${field} is not a string`);
    }
    if (error.details !== undefined && (typeof error.details !== 'object' || error.details === null)) {
      bad('error.details is not a map');
    }
    return value as ErrorFrame;
  }
  for (const field of ['signature', 'key', 'sha256'] as const) {
    if (typeof frame[field] !== 'string') bad(`${field} is not a string`);
  }
  const meta = checkMeta(frame.meta, `a frame from ${from}`);
  if (meta.key !== frame.key || meta.signature !== frame.signature || meta.sha256 !== frame.sha256) {
    bad('meta does not match the frame');
  }
  const files = frame.files as Record<string, unknown> | null;
  if (typeof files !== 'object' || files === null) return bad('files is not a map');
  if (!Buffer.isBuffer(files.lib)) bad('files.lib is not binary');
  if (!Buffer.isBuffer(files.src)) bad('files.src is not binary');
  for (const optional of ['header', 'log'] as const) {
    if (files[optional] !== undefined && files[optional] !== null && !Buffer.isBuffer(files[optional])) {
      bad(`files.${optional} is not binary`);
    }
  }
  if ((files.lib as Buffer).length !== meta.size)
    bad(`lib has ${(files.lib as Buffer).length} bytes, meta says ${meta.size}`);
  return value as EntryFrame;
}

/** True for an error frame. */
export function isErrorFrame(frame: EntryFrame | ErrorFrame): frame is ErrorFrame {
  return 'error' in frame;
}

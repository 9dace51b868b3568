import { createRequire } from 'node:module';
import type { Packr as PackrClass } from 'msgpackr/pack';
import type { Options } from 'msgpackr/unpack';

// msgpackr's published one-file build without dynamic evaluation (which only records use): its
// ES entry is five modules, 5.5 ms more CPU in every process of a job.
const { Packr } = createRequire(import.meta.url)('msgpackr/index-no-eval') as {
  Packr: typeof PackrClass;
};

// Standard msgpack that any decoder reads: no records, objects as maps (fields holding undefined
// left out), Buffers as bin; decoded maps are plain objects. msgpackr renames a "__proto__" key
// to "__proto_", so decoded data never reaches a prototype; reference (structured clone)
// extensions are refused.
const msgpack = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  encodeUndefinedAsNil: true,
  structuredClone: false,
  skipValues: [undefined],
  int64AsType: 'auto',
} as Options);

/** Encode a value as standard msgpack (Buffers become bin; fields holding undefined are left out). */
export function packMsg(value: unknown): Buffer {
  return msgpack.pack(value);
}

/**
 * Decode one msgpack value filling `bytes`; bin values are Buffers viewing `bytes` (no copy).
 * Throws on truncated input, lengths beyond the message, trailing bytes and unknown extensions.
 */
export function unpackMsg(bytes: Uint8Array): unknown {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return msgpack.unpack(buffer);
}

type Lz4 = typeof import('lz4-napi');
let lz4: Lz4 | undefined;

// lz4-napi is only needed on a build or by the cache tools, never on a hit: load it on first use.
async function lz4Module(): Promise<Lz4> {
  lz4 ??= await import('lz4-napi');
  return lz4;
}

// The sync codec calls: a source compresses in well under a millisecond, less than the round
// trip through the thread pool that the async ones cost (and far less with more ranks than cores).

/** Compress to a standard LZ4 frame (readable with `lz4 -dc`). */
export async function compressFrame(data: string | Buffer): Promise<Buffer> {
  return (await lz4Module()).compressFrameSync(typeof data === 'string' ? Buffer.from(data) : data, {
    contentChecksum: true,
  });
}

/** Decompress a standard LZ4 frame. */
export async function decompressFrame(data: Buffer): Promise<Buffer> {
  return (await lz4Module()).decompressFrameSync(data);
}

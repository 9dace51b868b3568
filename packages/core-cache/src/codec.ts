import { readMsgpack } from './msgpack-reader.js';
import { writeMsgpack } from './msgpack-writer.js';

/** Encode a value as standard msgpack (Buffers become bin; undefined fields are left out). */
export function packMsg(value: unknown): Buffer {
  return writeMsgpack(value);
}

/** Decode one msgpack value (bounded, no extensions, bin as views); throws `MsgpackReadError` on malformed input. */
export function unpackMsg(bytes: Buffer): unknown {
  return readMsgpack(bytes);
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

/**
 * Load the codec a build needs (lz4-napi) ahead of use: module loading that a caller can overlap
 * with the compiler's run instead of adding it to a cold build.
 */
export async function preloadCodecs(): Promise<void> {
  await lz4Module();
}

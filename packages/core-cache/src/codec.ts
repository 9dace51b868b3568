import { createRequire } from 'node:module';
import type { Packr } from 'msgpackr';
import { readMsgpack } from './msgpack-reader.js';

const require = createRequire(import.meta.url);
let packr: Packr | undefined;

// Loading msgpackr costs ~10 ms: a cache hit in a fresh process must not pay it, so load on first use.
function msgpack(): Packr {
  if (!packr) {
    const { Packr: PackrClass } = require('msgpackr') as typeof import('msgpackr');
    // Plain msgpack maps (no record extension) so any msgpack tool can read our files and frames;
    // undefined fields are left out rather than written as an extension type.
    const options = { useRecords: false, mapsAsObjects: true, moreTypes: false, skipValues: [undefined] };
    packr = new PackrClass(options as ConstructorParameters<typeof PackrClass>[0]);
  }
  return packr;
}

/** Load msgpackr ahead of the first encode (a receiver publishing an entry needs nothing else). */
export function preloadMsgpack(): void {
  msgpack();
}

/** Encode a value as standard msgpack (Buffers become bin). */
export function packMsg(value: unknown): Buffer {
  return msgpack().pack(value);
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
 * Load the codecs a build needs (msgpackr, lz4-napi) ahead of use: about 100 ms of module loading
 * that a caller can overlap with the compiler's run instead of adding it to a cold build.
 */
export async function preloadCodecs(): Promise<void> {
  msgpack();
  await lz4Module();
}

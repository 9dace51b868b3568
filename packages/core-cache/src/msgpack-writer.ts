/**
 * A writer of standard msgpack (no extension types) for what the cache and the wire carry: null,
 * booleans, numbers, strings, binary (Buffer or Uint8Array), arrays and plain maps (object fields
 * whose value is undefined are left out). It loads in microseconds, so a rank that only receives
 * and publishes an entry loads no encoder module. It measures first and allocates once: a frame
 * carrying a large library is copied once.
 */
export class MsgpackWriteError extends Error {}

const MAX_DEPTH = 64;

/** Encode `value` as one msgpack value. Throws `MsgpackWriteError` on what msgpack cannot hold. */
export function writeMsgpack(value: unknown): Buffer {
  const out = Buffer.allocUnsafe(sizeOf(value, 0));
  const end = write(value, out, 0);
  if (end !== out.length) throw new MsgpackWriteError(`wrote ${end} bytes, measured ${out.length}`);
  return out;
}

function isBinary(value: object): value is Uint8Array {
  return value instanceof Uint8Array;
}

function entriesOf(value: object): Array<[string, unknown]> {
  return Object.entries(value).filter(([, field]) => field !== undefined);
}

function headerSize(count: number, small: number): number {
  return count < small ? 1 : count < 0x10000 ? 3 : 5;
}

function sizeOf(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH) throw new MsgpackWriteError(`nested deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'string') {
    const length = Buffer.byteLength(value);
    return (length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5) + length;
  }
  if (typeof value === 'object') {
    if (isBinary(value)) {
      const length = value.byteLength;
      return (length < 0x100 ? 2 : length < 0x10000 ? 3 : 5) + length;
    }
    if (Array.isArray(value)) {
      let size = headerSize(value.length, 16);
      for (const item of value) size += sizeOf(item, depth + 1);
      return size;
    }
    const entries = entriesOf(value);
    let size = headerSize(entries.length, 16);
    for (const [key, field] of entries) size += sizeOf(key, depth + 1) + sizeOf(field, depth + 1);
    return size;
  }
  throw new MsgpackWriteError(`cannot encode a ${typeof value} in msgpack`);
}

// Integers beyond 32 bits are written as float64 (exact up to 2^53), as msgpackr does: readers in
// JavaScript then get a number, not a BigInt.
function isInt32Range(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32 && !Object.is(value, -0);
}

function numberSize(value: number): number {
  if (!isInt32Range(value)) return 9;
  if (value >= 0) return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : 5;
  return value >= -32 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : 5;
}

function writeHeader(
  out: Buffer,
  at: number,
  count: number,
  fix: number,
  small: number,
  big: number,
): number {
  if (count < small) {
    out[at] = fix | count;
    return at + 1;
  }
  if (count < 0x10000) {
    out[at] = big;
    out.writeUInt16BE(count, at + 1);
    return at + 3;
  }
  out[at] = big + 1;
  out.writeUInt32BE(count, at + 1);
  return at + 5;
}

function write(value: unknown, out: Buffer, at: number): number {
  if (value === null) {
    out[at] = 0xc0;
    return at + 1;
  }
  if (typeof value === 'boolean') {
    out[at] = value ? 0xc3 : 0xc2;
    return at + 1;
  }
  if (typeof value === 'number') return writeNumber(value, out, at);
  if (typeof value === 'string') return writeString(value, out, at);
  if (isBinary(value as object)) {
    const bytes = value as Uint8Array;
    const length = bytes.byteLength;
    if (length < 0x100) {
      out[at] = 0xc4;
      out[at + 1] = length;
      at += 2;
    } else if (length < 0x10000) {
      out[at] = 0xc5;
      out.writeUInt16BE(length, at + 1);
      at += 3;
    } else {
      out[at] = 0xc6;
      out.writeUInt32BE(length, at + 1);
      at += 5;
    }
    out.set(bytes, at);
    return at + length;
  }
  if (Array.isArray(value)) {
    at = writeHeader(out, at, value.length, 0x90, 16, 0xdc);
    for (const item of value) at = write(item, out, at);
    return at;
  }
  const entries = entriesOf(value as object);
  at = writeHeader(out, at, entries.length, 0x80, 16, 0xde);
  for (const [key, field] of entries) {
    at = writeString(key, out, at);
    at = write(field, out, at);
  }
  return at;
}

function writeString(value: string, out: Buffer, at: number): number {
  const length = Buffer.byteLength(value);
  if (length < 32) {
    out[at] = 0xa0 | length;
    at += 1;
  } else if (length < 0x100) {
    out[at] = 0xd9;
    out[at + 1] = length;
    at += 2;
  } else if (length < 0x10000) {
    out[at] = 0xda;
    out.writeUInt16BE(length, at + 1);
    at += 3;
  } else {
    out[at] = 0xdb;
    out.writeUInt32BE(length, at + 1);
    at += 5;
  }
  return at + out.write(value, at, 'utf8');
}

function writeNumber(value: number, out: Buffer, at: number): number {
  if (!isInt32Range(value)) {
    out[at] = 0xcb;
    out.writeDoubleBE(value, at + 1);
    return at + 9;
  }
  if (value >= 0) {
    if (value < 0x80) {
      out[at] = value;
      return at + 1;
    }
    if (value < 0x100) {
      out[at] = 0xcc;
      out[at + 1] = value;
      return at + 2;
    }
    if (value < 0x10000) {
      out[at] = 0xcd;
      out.writeUInt16BE(value, at + 1);
      return at + 3;
    }
    out[at] = 0xce;
    out.writeUInt32BE(value, at + 1);
    return at + 5;
  }
  if (value >= -32) {
    out[at] = value & 0xff;
    return at + 1;
  }
  if (value >= -0x80) {
    out[at] = 0xd0;
    out.writeInt8(value, at + 1);
    return at + 2;
  }
  if (value >= -0x8000) {
    out[at] = 0xd1;
    out.writeInt16BE(value, at + 1);
    return at + 3;
  }
  out[at] = 0xd2;
  out.writeInt32BE(value, at + 1);
  return at + 5;
}

/**
 * A writer of standard msgpack (no extension types) for what the cache and the wire carry: null,
 * booleans, numbers, strings, binary (Buffer or Uint8Array), arrays and plain maps (object fields
 * whose value is undefined are left out). It loads in microseconds, so a rank that only receives
 * and publishes an entry loads no encoder module. It measures first and allocates once: a frame
 * carrying a large library is copied once.
 */
export class MsgpackWriteError extends Error {}

const MAX_DEPTH = 64;

/**
 * The type bytes of a sized value: a fix form for lengths below `fixBelow` (0: none), an 8-bit
 * length form `u8` (0: none), and the 16-bit form `u16`, whose 32-bit form is always `u16 + 1`.
 */
interface Kind {
  fix: number;
  fixBelow: number;
  u8: number;
  u16: number;
}
const STR: Kind = { fix: 0xa0, fixBelow: 32, u8: 0xd9, u16: 0xda };
const BIN: Kind = { fix: 0, fixBelow: 0, u8: 0xc4, u16: 0xc5 };
const ARRAY: Kind = { fix: 0x90, fixBelow: 16, u8: 0, u16: 0xdc };
const MAP: Kind = { fix: 0x80, fixBelow: 16, u8: 0, u16: 0xde };

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

function headSize(kind: Kind, length: number): number {
  if (length < kind.fixBelow) return 1;
  if (kind.u8 !== 0 && length < 0x100) return 2;
  return length < 0x10000 ? 3 : 5;
}

function writeHead(kind: Kind, length: number, out: Buffer, at: number): number {
  if (length < kind.fixBelow) {
    out[at] = kind.fix | length;
    return at + 1;
  }
  if (kind.u8 !== 0 && length < 0x100) {
    out[at] = kind.u8;
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 0x10000) {
    out[at] = kind.u16;
    out.writeUInt16BE(length, at + 1);
    return at + 3;
  }
  out[at] = kind.u16 + 1;
  out.writeUInt32BE(length, at + 1);
  return at + 5;
}

function sizeOf(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH) throw new MsgpackWriteError(`nested deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'string') {
    const length = Buffer.byteLength(value);
    return headSize(STR, length) + length;
  }
  if (typeof value === 'object') {
    if (isBinary(value)) return headSize(BIN, value.byteLength) + value.byteLength;
    if (Array.isArray(value)) {
      let size = headSize(ARRAY, value.length);
      for (const item of value) size += sizeOf(item, depth + 1);
      return size;
    }
    const entries = entriesOf(value);
    let size = headSize(MAP, entries.length);
    for (const [key, field] of entries) size += sizeOf(key, depth + 1) + sizeOf(field, depth + 1);
    return size;
  }
  throw new MsgpackWriteError(`cannot encode a ${typeof value} in msgpack`);
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
  if (typeof value === 'string') {
    at = writeHead(STR, Buffer.byteLength(value), out, at);
    return at + out.write(value, at, 'utf8');
  }
  if (isBinary(value as object)) {
    const bytes = value as Uint8Array;
    at = writeHead(BIN, bytes.byteLength, out, at);
    out.set(bytes, at);
    return at + bytes.byteLength;
  }
  if (Array.isArray(value)) {
    at = writeHead(ARRAY, value.length, out, at);
    for (const item of value) at = write(item, out, at);
    return at;
  }
  const entries = entriesOf(value as object);
  at = writeHead(MAP, entries.length, out, at);
  for (const [key, field] of entries) at = write(field, out, write(key, out, at));
  return at;
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

function writeNumber(value: number, out: Buffer, at: number): number {
  if (!isInt32Range(value)) {
    out[at] = 0xcb;
    out.writeDoubleBE(value, at + 1);
    return at + 9;
  }
  if (value >= 0 && value < 0x80) {
    out[at] = value;
    return at + 1;
  }
  if (value < 0 && value >= -32) {
    out[at] = value & 0xff;
    return at + 1;
  }
  const size = numberSize(value);
  if (value >= 0) {
    out[at] = size === 2 ? 0xcc : size === 3 ? 0xcd : 0xce;
    out.writeUIntBE(value, at + 1, size - 1);
  } else {
    out[at] = size === 2 ? 0xd0 : size === 3 ? 0xd1 : 0xd2;
    out.writeIntBE(value, at + 1, size - 1);
  }
  return at + size;
}

/**
 * A strict reader of standard msgpack (no extension types), the counterpart of `msgpack-writer.ts`.
 * It loads in microseconds, and it checks every length against the bytes present before
 * allocating anything, so a truncated or hostile message cannot make it allocate more than it holds.
 */
export class MsgpackReadError extends Error {}

const MAX_DEPTH = 64;

/** Decode exactly one msgpack value filling `bytes`; bin values are views into `bytes` (no copy). */
export function readMsgpack(bytes: Uint8Array): unknown {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state = { offset: 0 };
  const value = readValue(buffer, state, 0);
  if (state.offset !== buffer.length) {
    throw new MsgpackReadError(`${buffer.length - state.offset} trailing bytes after the value`);
  }
  return value;
}

function need(buffer: Buffer, state: { offset: number }, count: number): number {
  const at = state.offset;
  if (count < 0 || at + count > buffer.length) {
    throw new MsgpackReadError(`truncated: need ${count} bytes at offset ${at}, have ${buffer.length - at}`);
  }
  state.offset = at + count;
  return at;
}

function readValue(buffer: Buffer, state: { offset: number }, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new MsgpackReadError(`nested deeper than ${MAX_DEPTH}`);
  const type = buffer[need(buffer, state, 1)]!;
  if (type <= 0x7f) return type;
  if (type >= 0xe0) return type - 0x100;
  if ((type & 0xf0) === 0x80) return readMap(buffer, state, type & 0x0f, depth);
  if ((type & 0xf0) === 0x90) return readArray(buffer, state, type & 0x0f, depth);
  if ((type & 0xe0) === 0xa0) return readString(buffer, state, type & 0x1f);
  switch (type) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(buffer, state, buffer.readUInt8(need(buffer, state, 1)));
    case 0xc5:
      return readBin(buffer, state, buffer.readUInt16BE(need(buffer, state, 2)));
    case 0xc6:
      return readBin(buffer, state, buffer.readUInt32BE(need(buffer, state, 4)));
    case 0xca:
      return buffer.readFloatBE(need(buffer, state, 4));
    case 0xcb:
      return buffer.readDoubleBE(need(buffer, state, 8));
    case 0xcc:
      return buffer.readUInt8(need(buffer, state, 1));
    case 0xcd:
      return buffer.readUInt16BE(need(buffer, state, 2));
    case 0xce:
      return buffer.readUInt32BE(need(buffer, state, 4));
    case 0xcf:
      return safeInteger(buffer.readBigUInt64BE(need(buffer, state, 8)));
    case 0xd0:
      return buffer.readInt8(need(buffer, state, 1));
    case 0xd1:
      return buffer.readInt16BE(need(buffer, state, 2));
    case 0xd2:
      return buffer.readInt32BE(need(buffer, state, 4));
    case 0xd3:
      return safeInteger(buffer.readBigInt64BE(need(buffer, state, 8)));
    case 0xd9:
      return readString(buffer, state, buffer.readUInt8(need(buffer, state, 1)));
    case 0xda:
      return readString(buffer, state, buffer.readUInt16BE(need(buffer, state, 2)));
    case 0xdb:
      return readString(buffer, state, buffer.readUInt32BE(need(buffer, state, 4)));
    case 0xdc:
      return readArray(buffer, state, buffer.readUInt16BE(need(buffer, state, 2)), depth);
    case 0xdd:
      return readArray(buffer, state, buffer.readUInt32BE(need(buffer, state, 4)), depth);
    case 0xde:
      return readMap(buffer, state, buffer.readUInt16BE(need(buffer, state, 2)), depth);
    case 0xdf:
      return readMap(buffer, state, buffer.readUInt32BE(need(buffer, state, 4)), depth);
    default:
      throw new MsgpackReadError(
        `unsupported type byte 0x${type.toString(16)} at offset ${state.offset - 1}`,
      );
  }
}

function safeInteger(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MsgpackReadError(`integer ${value} is out of the safe range`);
  }
  return Number(value);
}

function readString(buffer: Buffer, state: { offset: number }, length: number): string {
  const at = need(buffer, state, length);
  // Invalid UTF-8 becomes U+FFFD, which no signature, key or hash accepts downstream.
  return buffer.toString('utf8', at, at + length);
}

function readBin(buffer: Buffer, state: { offset: number }, length: number): Buffer {
  const at = need(buffer, state, length);
  return buffer.subarray(at, at + length);
}

function readArray(buffer: Buffer, state: { offset: number }, count: number, depth: number): unknown[] {
  // Every element takes at least one byte: a count beyond the bytes left is a lie, refused before allocating.
  if (count > buffer.length - state.offset)
    throw new MsgpackReadError(`array of ${count} elements exceeds the message`);
  const items = new Array<unknown>(count);
  for (let i = 0; i < count; i++) items[i] = readValue(buffer, state, depth + 1);
  return items;
}

function readMap(
  buffer: Buffer,
  state: { offset: number },
  count: number,
  depth: number,
): Record<string, unknown> {
  if (count * 2 > buffer.length - state.offset)
    throw new MsgpackReadError(`map of ${count} entries exceeds the message`);
  const map: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = readValue(buffer, state, depth + 1);
    if (typeof key !== 'string')
      throw new MsgpackReadError(`map key of type ${typeof key}; only string keys are read`);
    const value = readValue(buffer, state, depth + 1);
    // A "__proto__" key must stay data, never reach the prototype.
    if (key === '__proto__')
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    else map[key] = value;
  }
  return map;
}

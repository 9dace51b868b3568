import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { packMsg, unpackMsg } from '../src/index.js';
import { MsgpackReadError } from '../src/msgpack-reader.js';

test('reads back what msgpackr writes, with bins as Buffers', () => {
  const value = {
    v: 1,
    text: 'héllo',
    long: 'x'.repeat(70_000),
    numbers: [
      0,
      1,
      127,
      128,
      255,
      256,
      65_535,
      65_536,
      2 ** 32,
      -1,
      -32,
      -33,
      -129,
      -40_000,
      -(2 ** 33),
      0.5,
      1e300,
    ],
    flags: [true, false, null],
    nested: { deeper: { list: [[], {}] } },
    bin: randomBytes(300),
    bigBin: randomBytes(70_000),
  };
  const decoded = unpackMsg(packMsg(value)) as typeof value;
  assert.deepEqual(
    { ...decoded, bin: undefined, bigBin: undefined },
    { ...value, bin: undefined, bigBin: undefined },
  );
  assert.ok(Buffer.isBuffer(decoded.bin));
  assert.ok(decoded.bin.equals(value.bin));
  assert.ok(decoded.bigBin.equals(value.bigBin));
});

test('truncated messages are errors, never partial values', () => {
  const bytes = packMsg({ a: 'some text', b: [1, 2, 3], c: Buffer.alloc(100, 7) });
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => unpackMsg(bytes.subarray(0, length)), MsgpackReadError, `length ${length}`);
  }
});

test('lengths beyond the message are refused before allocating', () => {
  // array32 claiming 4 billion elements, bin32 claiming 4 GiB, map32 claiming 2^31 entries
  for (const bytes of [
    [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
    [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
    [0xdf, 0x80, 0x00, 0x00, 0x00, 0xa1, 0x61],
  ]) {
    assert.throws(() => unpackMsg(Buffer.from(bytes)), MsgpackReadError);
  }
});

test('random bytes never crash the reader', () => {
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(1 + (i % 64));
    try {
      unpackMsg(bytes);
    } catch (error) {
      assert.ok(error instanceof MsgpackReadError, String(error));
    }
  }
});

test('a __proto__ key stays plain data', () => {
  const bytes = Buffer.concat([
    Buffer.from([0x81, 0xa9]),
    Buffer.from('__proto__'),
    Buffer.from([0x81, 0xa1, 0x78, 0x01]),
  ]);
  const value = unpackMsg(bytes) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__']);
  assert.equal((value as { x?: number }).x, undefined);
});

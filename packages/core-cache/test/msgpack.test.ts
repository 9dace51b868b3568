import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CacheCorruptError, checkMeta, packMsg, unpackMsg } from '../src/index.js';

const hex = (value: unknown): string => packMsg(value).toString('hex');

test('reads back what it writes, with bins as Buffers', () => {
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
  assert.ok(Buffer.isBuffer(decoded.bin) && Buffer.isBuffer(decoded.bigBin));
  assert.ok(decoded.bin.equals(value.bin));
  assert.ok(decoded.bigBin.equals(value.bigBin));
  // A message received as a plain Uint8Array still gives Buffers, which frame checks expect.
  const fromView = unpackMsg(new Uint8Array(packMsg({ bin: value.bin }))) as { bin: Buffer };
  assert.ok(Buffer.isBuffer(fromView.bin) && fromView.bin.equals(value.bin));
});

test('writes plain standard msgpack: maps, bin, no records, no undefined extension', () => {
  assert.equal(hex({ a: 1, skipped: undefined }), '81a16101');
  assert.equal(hex([{ a: 1 }, { a: 1 }]), '9281a1610181a16101', 'repeated shapes are maps, not records');
  assert.equal(hex([undefined]), '91c0');
  assert.equal(hex(Buffer.from([1, 2])), 'c4020102');
  assert.equal(hex(new Uint8Array([3])), 'c40103');
  assert.equal(hex(2 ** 32), 'cb41f0000000000000', 'a JavaScript reader gets a number, not a BigInt');
  assert.equal(
    hex(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))).slice(0, 6),
    'de0010',
  );
  assert.deepEqual(unpackMsg(packMsg({ a: 1, skipped: undefined })), { a: 1 });
});

test('a Date comes back as the same Date, not an empty map', () => {
  const when = new Date(Date.UTC(2026, 10, 25, 12, 30, 15, 250));
  const back = unpackMsg(packMsg({ when })) as { when: unknown };
  assert.ok(back.when instanceof Date);
  assert.equal(back.when.getTime(), when.getTime());
  // The standard timestamp extension (type -1), which other implementations read.
  assert.equal(hex(new Date(12_345_000)), 'd6ff00003039');
});

test('truncated messages are errors, never partial values', () => {
  const bytes = packMsg({ a: 'some text', b: [1, 2, 3], c: Buffer.alloc(100, 7), d: new Date(1) });
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => unpackMsg(bytes.subarray(0, length)), Error, `length ${length}`);
  }
  assert.throws(() => unpackMsg(Buffer.concat([bytes, Buffer.from([0x01])])), /end of buffer not reached/);
});

test('lengths beyond the message are refused before allocating', () => {
  // array32 of 4 billion elements, bin32 of 4 GiB, map32 of 2^31 entries, str32 and ext32 of 4 GiB,
  // and nested array16s whose lengths each fit what is left but together do not.
  for (const bytes of [
    [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
    [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
    [0xdf, 0x80, 0x00, 0x00, 0x00, 0xa1, 0x61],
    [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],
    [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61],
    Array.from({ length: 1000 }, () => [0xdc, 0x00, 0x80]).flat(),
  ]) {
    assert.throws(() => unpackMsg(Buffer.from(bytes)), /Unexpected end of MessagePack data/);
  }
});

test('random bytes throw or decode to something the meta check refuses', () => {
  let decoded = 0;
  for (let i = 0; i < 5000; i++) {
    const bytes = randomBytes(1 + (i % 64));
    let value: unknown;
    try {
      value = unpackMsg(bytes);
    } catch (error) {
      assert.ok(error instanceof Error, String(error));
      continue;
    }
    decoded += 1;
    assert.throws(() => checkMeta(value, 'random bytes'), CacheCorruptError);
  }
  assert.ok(decoded < 5000);
});

test('nesting deeper than the stack is an error, not a crash', () => {
  const bytes = Buffer.concat([Buffer.alloc(300_000, 0x91), Buffer.from([0xc0])]);
  assert.throws(() => unpackMsg(bytes), RangeError);
});

test('a __proto__ key never reaches a prototype', () => {
  const proto = Buffer.from('__proto__');
  const polluting = Buffer.from([0x81, 0xa8, ...Buffer.from('polluted'), 0x01]);
  for (const bytes of [
    Buffer.concat([Buffer.from([0x81, 0xa9]), proto, polluting]), // fixmap, fixstr key
    Buffer.concat([Buffer.from([0xde, 0x00, 0x01, 0xd9, 0x09]), proto, polluting]), // map16, str8 key
    Buffer.concat([Buffer.from([0xd4, 0x72, 0x40, 0x91, 0xa9]), proto, polluting]), // a record of msgpackr's
  ]) {
    const value = unpackMsg(bytes) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(value.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(!Object.keys(value).includes('__proto__'));
  }
});

test('reference extensions of structured cloning are refused', () => {
  assert.throws(
    () => unpackMsg(Buffer.from([0xd6, 0x70, 0, 0, 0, 1])),
    /Structured clone extension is disabled/,
  );
});

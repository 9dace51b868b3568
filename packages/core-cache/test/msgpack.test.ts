import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { packMsg, unpackMsg } from '../src/index.js';
import { MsgpackReadError } from '../src/msgpack-reader.js';
import { MsgpackWriteError } from '../src/msgpack-writer.js';

// msgpackr, a widely used implementation, checks that what we write is standard msgpack.
const { Packr } = createRequire(import.meta.url)('msgpackr') as typeof import('msgpackr');
const msgpackr = new Packr({ useRecords: false, mapsAsObjects: true } as ConstructorParameters<
  typeof Packr
>[0]);

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
  assert.ok(Buffer.isBuffer(decoded.bin));
  assert.ok(decoded.bin.equals(value.bin));
  assert.ok(decoded.bigBin.equals(value.bigBin));
  // Another implementation reads the same values, and we read what it writes.
  const theirs = msgpackr.unpack(packMsg(value)) as typeof value;
  assert.deepEqual(
    { ...theirs, bin: undefined, bigBin: undefined },
    { ...value, bin: undefined, bigBin: undefined },
  );
  assert.ok(Buffer.from(theirs.bigBin).equals(value.bigBin));
  const back = unpackMsg(msgpackr.pack(value)) as typeof value;
  assert.deepEqual(
    { ...back, bin: undefined, bigBin: undefined },
    { ...value, bin: undefined, bigBin: undefined },
  );
});

test('every size class is written in its smallest standard form', () => {
  const cases: Array<[unknown, string]> = [
    [0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [255, 'ccff'],
    [256, 'cd0100'],
    [65_535, 'cdffff'],
    [65_536, 'ce00010000'],
    [2 ** 32 - 1, 'ceffffffff'],
    [2 ** 32, 'cb41f0000000000000'],
    [-1, 'ff'],
    [-32, 'e0'],
    [-33, 'd0df'],
    [-128, 'd080'],
    [-129, 'd1ff7f'],
    [-32_769, 'd2ffff7fff'],
    [-(2 ** 31), 'd280000000'],
    [-(2 ** 31) - 1, 'cbc1e0000000200000'],
    [Date.UTC(2026, 10, 25), 'cb427a210008800000'],
    [0.5, 'cb3fe0000000000000'],
    [-0, 'cb8000000000000000'],
    [null, 'c0'],
    [false, 'c2'],
    [true, 'c3'],
    ['', 'a0'],
    ['é', 'a2c3a9'],
    ['x'.repeat(31), 'bf' + '78'.repeat(31)],
    [[], '90'],
    [{}, '80'],
    [{ a: 1, skipped: undefined }, '81a16101'],
    [Buffer.from([1, 2]), 'c4020102'],
    [new Uint8Array([3]), 'c40103'],
  ];
  for (const [value, hex] of cases) assert.equal(packMsg(value).toString('hex'), hex, String(value));
  const heads = (value: unknown, bytes: number): string => packMsg(value).subarray(0, bytes).toString('hex');
  assert.equal(heads('x'.repeat(32), 2), 'd920');
  assert.equal(heads('x'.repeat(256), 3), 'da0100');
  assert.equal(heads('x'.repeat(65_536), 5), 'db00010000');
  assert.equal(heads(Buffer.alloc(256), 3), 'c50100');
  assert.equal(heads(Buffer.alloc(65_536), 5), 'c600010000');
  assert.equal(heads(new Array(16).fill(0), 3), 'dc0010');
  assert.equal(heads(new Array(65_536).fill(0), 5), 'dd00010000');
  assert.equal(heads(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])), 3), 'de0010');
  // Every one of them reads back as itself.
  for (const [value] of cases.slice(0, -3)) assert.deepEqual(unpackMsg(packMsg(value)), value);
  assert.deepEqual(unpackMsg(packMsg({ a: 1, skipped: undefined })), { a: 1 });
  assert.deepEqual(unpackMsg(packMsg(new Uint8Array([3]))), Buffer.from([3]));
});

test('what msgpack cannot hold is an error, not a partial message', () => {
  const deep: unknown[] = [];
  let inner = deep;
  for (let i = 0; i < 100; i++) inner.push((inner = []));
  for (const value of [() => 1, Symbol('s'), 10n, deep, { f: () => 1 }]) {
    assert.throws(() => packMsg(value), MsgpackWriteError, String(typeof value));
  }
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

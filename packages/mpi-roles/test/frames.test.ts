import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CacheCorruptError } from '@dijitso/core-cache';
import { FRAME_VERSION, decodeFrame, encodeFrame, isErrorFrame } from '../src/index.js';
import { entryFrame } from './helpers.js';

test('entry and error frames round-trip', () => {
  const frame = entryFrame();
  const back = decodeFrame(encodeFrame(frame), 'test');
  assert.ok(!isErrorFrame(back));
  assert.ok(back.files.lib.equals(frame.files.lib));
  assert.deepEqual(back.meta, frame.meta);
  const error = decodeFrame(
    encodeFrame({ v: FRAME_VERSION, error: { code: 'X', name: 'Y', message: 'z' } }),
    'test',
  );
  assert.ok(isErrorFrame(error));
  assert.equal(error.error.message, 'z');
});

test('truncated, random and mismatched frames are CacheCorruptErrors', () => {
  const bytes = encodeFrame(entryFrame(randomBytes(300)));
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.throws(() => decodeFrame(bytes.subarray(0, cut), 'test'), CacheCorruptError);
  }
  for (let i = 0; i < 3000; i++) {
    assert.throws(() => decodeFrame(randomBytes(1 + (i % 200)), 'test'), CacheCorruptError);
  }
  const lying = entryFrame();
  lying.meta = { ...lying.meta, size: 1 };
  assert.throws(() => decodeFrame(encodeFrame(lying), 'test'), /lib has 5000 bytes, meta says 1/);
  assert.throws(() => decodeFrame(encodeFrame({ ...entryFrame(), v: 2 } as never), 'test'), /version/);
});

test('a frame claiming a huge binary is refused without allocating it', () => {
  // map { v: 1, files: bin32 of 4 GiB } with 3 bytes present
  const bytes = Buffer.from([
    0x82,
    0xa1,
    0x76,
    0x01,
    0xa5,
    ...Buffer.from('files'),
    0xc6,
    0xff,
    0xff,
    0xff,
    0xff,
    1,
    2,
    3,
  ]);
  assert.throws(() => decodeFrame(bytes, 'test'), /Unexpected end of MessagePack data/);
});

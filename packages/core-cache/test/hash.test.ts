import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { randomHex, sha256Text } from '../src/hash.js';

test('sha256Text gives node:crypto’s digest, across block boundaries and for UTF-8 text', () => {
  const samples = ['', 'abc', 'é∑😀', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'y'.repeat(1000)];
  for (let length = 0; length < 300; length += 7) samples.push(randomBytes(length).toString('latin1'));
  for (const length of [119, 120, 127, 128, 129, 5000]) samples.push('z'.repeat(length));
  for (const text of samples) {
    assert.equal(sha256Text(text), createHash('sha256').update(text).digest('hex'), JSON.stringify(text));
  }
  assert.equal(sha256Text('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('randomHex gives the asked number of bytes, differently each time', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => randomHex(8)));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(randomHex(0), '');
});

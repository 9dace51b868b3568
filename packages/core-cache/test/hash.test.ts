import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex, sha256Hex, sha256Text } from '../src/index.js';

test('sha256Text hashes the UTF-8 bytes of its text', () => {
  assert.equal(sha256Text('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Text('é'), sha256Hex(Buffer.from([0xc3, 0xa9])));
  assert.equal(
    sha256Hex(Buffer.alloc(0)),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('randomHex gives the asked number of bytes, differently each time', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => randomHex(8)));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(randomHex(0), '');
});

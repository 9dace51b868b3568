import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

const HASH = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'hash.js');

// Every rank of `node --random-seed=N` draws the same Math.random sequence: names made from it
// would collide across processes started alike.
test('processes started with the same --random-seed draw different names', async () => {
  const draw = (): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        [
          '--random-seed=7',
          '--input-type=module',
          '-e',
          `const { randomHex } = await import(${JSON.stringify(pathToFileURL(HASH).href)}); console.log(randomHex(8));`,
        ],
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
      ),
    );
  const [first, second] = await Promise.all([draw(), draw()]);
  assert.match(first, /^[0-9a-f]{16}$/);
  assert.match(second, /^[0-9a-f]{16}$/);
  assert.notEqual(first, second);
  assert.equal(randomHex(0), '');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParameterError, formatBytes, parseDuration, parseSize } from '../src/index.js';

test('sizes are bytes or 1024-based K, M, G, T', () => {
  assert.equal(parseSize('123'), 123);
  assert.equal(parseSize('10K'), 10 * 1024);
  assert.equal(parseSize('5M'), 5 * 1024 ** 2);
  assert.equal(parseSize('2G'), 2 * 1024 ** 3);
  assert.equal(parseSize('1.5k'), 1536);
  assert.equal(parseSize('3GiB'), 3 * 1024 ** 3);
  assert.equal(parseSize('0'), 0);
  assert.equal(parseSize(4096), 4096);
});

test('a malformed size is a ParameterError naming the option', () => {
  for (const bad of ['', '5X', '-1', 'G', '1 2']) {
    assert.throws(
      () => parseSize(bad, '--max-size'),
      (error: unknown) => {
        assert.ok(error instanceof ParameterError);
        assert.match(error.message, /--max-size/);
        return true;
      },
    );
  }
  assert.throws(() => parseSize(-5), ParameterError);
});

test('durations accept s, m, h, d and w; a bare number is seconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('1w'), 7 * 86_400_000);
  assert.equal(parseDuration('45'), 45_000);
  assert.throws(() => parseDuration('2 years', '--max-age'), /--max-age/);
});

test('byte counts render with binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
});

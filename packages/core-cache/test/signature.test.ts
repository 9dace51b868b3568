import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignatureError, cacheKey, isCacheKey, validateSignature } from '../src/index.js';

test('accepts signatures made of [A-Za-z0-9_.-]', () => {
  for (const ok of ['a', 'poisson_p2_3f9a1c', 'x.y-z_1', 'A'.repeat(200), 'a..b']) {
    assert.equal(validateSignature(ok), ok);
  }
});

test('rejects signatures that could become paths or shell text', () => {
  for (const bad of ['', '../x', 'a/b', '.x', '..', 'a'.repeat(300), 'a;b', 'a b', 'a\0b', 'é', 'a\\b']) {
    assert.throws(() => validateSignature(bad), SignatureError, `should reject ${JSON.stringify(bad)}`);
  }
  for (const bad of [undefined, null, 42, {}, ['a']]) {
    assert.throws(
      () => validateSignature(bad),
      (error: unknown) => {
        assert.ok(error instanceof SignatureError);
        assert.match(error.message, /Expected a string for signature/);
        return true;
      },
    );
  }
});

test('names the offending character in the message', () => {
  assert.throws(() => validateSignature('a;b'), /contains ";"/);
  assert.throws(() => validateSignature('.x'), /starts with "."/);
  assert.throws(() => validateSignature('a'.repeat(201)), /201 characters long/);
});

test('cache keys are the signature plus 12 hex digits', () => {
  const key = cacheKey('sig', '0123456789ab');
  assert.equal(key, 'sig-0123456789ab');
  assert.ok(isCacheKey(key));
  assert.ok(!isCacheKey('sig'));
  assert.throws(() => cacheKey('sig', 'xyz'), SignatureError);
  assert.throws(() => cacheKey('../sig', '0123456789ab'), SignatureError);
});

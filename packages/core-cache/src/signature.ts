import { SignatureError, describe } from './errors.js';

const SIGNATURE_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

/** Largest accepted signature length. */
export const MAX_SIGNATURE_LENGTH = 200;

/**
 * Check that `signature` is usable as a file name component and return it.
 * Signatures are never turned into paths without this check.
 */
export function validateSignature(signature: unknown, what = 'signature'): string {
  if (typeof signature !== 'string') {
    throw new SignatureError(`Expected a string for ${what} but received ${describe(signature)}`);
  }
  if (!SIGNATURE_PATTERN.test(signature) || signature.startsWith('.')) {
    const reason =
      signature.length === 0
        ? 'it is empty'
        : signature.length > MAX_SIGNATURE_LENGTH
          ? `it is ${signature.length} characters long (at most ${MAX_SIGNATURE_LENGTH})`
          : signature.startsWith('.')
            ? 'it starts with "."'
            : `it contains ${JSON.stringify(signature.match(/[^A-Za-z0-9_.-]/)?.[0] ?? '')}`;
    throw new SignatureError(
      `Invalid ${what} ${JSON.stringify(signature.length > 80 ? signature.slice(0, 77) + '...' : signature)}: ${reason}. ` +
        'A signature is 1 to 200 characters from [A-Za-z0-9_.-] and does not start with "."; ' +
        'hash anything else (e.g. sha256 of the generated source) into that form.',
    );
  }
  return signature;
}

/** True when `key` has the shape of a cache key (a checked signature plus a hash suffix). */
export function isCacheKey(key: string): boolean {
  return /^[A-Za-z0-9_.-]{1,200}-[0-9a-f]{12}$/.test(key) && !key.startsWith('.');
}

/** The cache key of a signature built with parameters whose hash is `paramsHash` (12 hex digits). */
export function cacheKey(signature: string, paramsHash: string): string {
  validateSignature(signature);
  if (!/^[0-9a-f]{12}$/.test(paramsHash)) {
    throw new SignatureError(
      `Expected 12 lowercase hex digits for paramsHash but received ${describe(paramsHash)}`,
    );
  }
  return `${signature}-${paramsHash}`;
}

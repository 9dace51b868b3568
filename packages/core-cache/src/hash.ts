import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 of `text` (UTF-8), hex: keys, parameter hashes and CPU fingerprints. */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of `bytes`, hex: the checksum of a library. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `bytes` random bytes from the system's generator, hex: for names that must not collide. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

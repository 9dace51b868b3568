import { createRequire } from 'node:module';

// Loading node:crypto costs 6-8 ms of CPU per process (Node 20 loads its hash streams and web
// crypto with it): with 8 ranks on 2 cores a warm job paid that on every rank, for two hashes of a
// few hundred bytes and a random name. Those use the code below; node:crypto loads only for what
// needs it (a library's sha256, on a build, a receive or a first load after publishing).

type Crypto = typeof import('node:crypto');
let crypto: Crypto | undefined;

/** node:crypto, loaded on first use. */
export function nodeCrypto(): Crypto {
  crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto;
  return crypto;
}

/**
 * Load what hashing a library needs (node:crypto) ahead of use: a rank that will publish or check
 * a library can load it while it waits for a compiler, instead of after.
 */
export function preloadHashing(): void {
  nodeCrypto();
}

// FIPS 180-4: the first 32 bits of the fractional parts of the square roots of the first 8 primes
// (initial hash) and of the cube roots of the first 64 primes (round constants).
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);
const fraction32 = (x: number): number => Math.floor((x - Math.floor(x)) * 2 ** 32) | 0;
const INITIAL = Int32Array.from(PRIMES.slice(0, 8), (p) => fraction32(Math.sqrt(p)));
const ROUND = Int32Array.from(PRIMES, (p) => fraction32(Math.cbrt(p)));

/**
 * SHA-256 of `text` (UTF-8), hex: the same digest as node:crypto's, for keys and fingerprints.
 *
 * Each process calls it a few times, so it runs in V8's interpreter, where every call, iterator
 * and boxed number counts: rotations are written out, the state lives in locals, words are read
 * byte by byte. Hashing /proc/cpuinfo's 759 bytes of flags on first call took 6.5 ms with helper
 * calls, destructuring and a DataView; it takes about 1 ms this way.
 */
export function sha256Text(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const length = bytes.length;
  // The message, a 0x80 byte, zeros, and its length in bits as 8 big-endian bytes: whole blocks.
  const end = ((length + 72) >>> 6) << 6;
  const m = new Uint8Array(end);
  m.set(bytes);
  m[length] = 0x80;
  const high = Math.floor(length / 2 ** 29);
  const low = (length << 3) >>> 0;
  for (let i = 0; i < 4; i++) {
    m[end - 8 + i] = high >>> (24 - 8 * i);
    m[end - 4 + i] = low >>> (24 - 8 * i);
  }
  const w = new Int32Array(64);
  let h0 = INITIAL[0]!;
  let h1 = INITIAL[1]!;
  let h2 = INITIAL[2]!;
  let h3 = INITIAL[3]!;
  let h4 = INITIAL[4]!;
  let h5 = INITIAL[5]!;
  let h6 = INITIAL[6]!;
  let h7 = INITIAL[7]!;
  for (let block = 0; block < end; block += 64) {
    for (let i = 0, j = block; i < 16; i++, j += 4) {
      w[i] = (m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + ROUND[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  let hex = '';
  for (const word of [h0, h1, h2, h3, h4, h5, h6, h7]) hex += (word >>> 0).toString(16).padStart(8, '0');
  return hex;
}

/**
 * `bytes` random bytes, hex, from the JavaScript generator (seeded from the system's entropy when
 * the process starts): for names that must not collide, never for secrets.
 */
export function randomHex(bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++) {
    const byte = Math.floor(Math.random() * 256);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

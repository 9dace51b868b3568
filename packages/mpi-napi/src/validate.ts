// Argument checks done before any call into C++ (the addon trusts its inputs).
// Messages read "Expected X for name but received Y".

const INT32_MAX = 2147483647;

/** How a received value reads in an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'undefined') return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Throws TypeError unless value is a Buffer. */
export function expectBuffer(value: unknown, name: string): asserts value is Buffer {
  if (!Buffer.isBuffer(value))
    throw new TypeError(`Expected a Buffer for ${name} but received ${describe(value)}`);
}

/**
 * Throws TypeError unless value is an array of Buffers, RangeError unless it has count of them;
 * where tells the array's context in messages (e.g. " on the root").
 */
export function expectBuffers(
  value: unknown,
  name: string,
  count: number,
  where = '',
): asserts value is readonly Buffer[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Expected an array of ${count} Buffers (one per rank) for ${name}${where} but received ${describe(value)}`,
    );
  }
  if (value.length !== count) {
    throw new RangeError(
      `Expected an array of ${count} Buffers (one per rank) for ${name}${where} but received an array of ${value.length}`,
    );
  }
  value.forEach((item: unknown, index) => expectBuffer(item, `${name}[${index}]`));
}

/** Throws TypeError unless value is a number. */
export function expectNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number')
    throw new TypeError(`Expected a number for ${name} but received ${describe(value)}`);
}

/** Throws TypeError for a non-integer, RangeError outside [min, max]. */
export function expectInteger(
  value: unknown,
  name: string,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`Expected an integer for ${name} but received ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`Expected an integer in [${min}, ${max}] for ${name} but received ${value}`);
  }
}

/** A rank of a communicator of the given size. */
export function expectRank(value: unknown, name: string, size: number): asserts value is number {
  expectInteger(value, name, 0, size - 1);
}

/** A 32-bit signed integer (MPI's int). */
export function expectInt32(value: unknown, name: string): asserts value is number {
  expectInteger(value, name, -INT32_MAX - 1, INT32_MAX);
}

/** One of a fixed set of strings. */
export function expectOneOf<T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const choices = allowed.map((choice) => `'${choice}'`).join(', ');
    throw new TypeError(`Expected one of ${choices} for ${name} but received ${describe(value)}`);
  }
}

/** Parses an integer setting from the environment, falling back when unset. */
export function integerFromEnv(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Expected an integer in [${min}, ${max}] for ${name} but received ${JSON.stringify(text)}`,
    );
  }
  return value;
}

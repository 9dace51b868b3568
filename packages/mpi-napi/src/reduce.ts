// reduce and allreduce: their arguments, a number (reduced as a double) or a typed array
// (element-wise), and the calls into the addon.
import type { NativeBinding } from './binding.js';
import { callNative } from './errors.js';
import type { OpQueue } from './queue.js';
import { describe, expectInteger, expectOneOf } from './validate.js';

/** Reductions: the arithmetic ones apply to numbers and every array; the bitwise and logical ones to integer arrays. */
export type ReduceOp = 'sum' | 'prod' | 'min' | 'max' | 'band' | 'bor' | 'bxor' | 'land' | 'lor';

/** The typed arrays reduce and allreduce combine element-wise. */
export type ReducibleArray = Float64Array | Float32Array | Int32Array | Uint32Array | BigInt64Array;

// Indexes into the addon's op table (src/native/collectives.cc).
const NATIVE_OPS: Record<ReduceOp, number> = {
  sum: 0,
  max: 1,
  min: 2,
  prod: 3,
  band: 4,
  bor: 5,
  bxor: 6,
  land: 7,
  lor: 8,
};
const FLOAT_OPS: readonly ReduceOp[] = ['sum', 'prod', 'min', 'max'];
const INTEGER_OPS = Object.keys(NATIVE_OPS) as ReduceOp[];

interface ElementType {
  name: string;
  native: number;
  integer: boolean;
  create(length: number): ReducibleArray;
}

// Indexes into the addon's type table: MPI_DOUBLE, MPI_FLOAT, MPI_INT32_T, MPI_UINT32_T, MPI_INT64_T.
const ELEMENT_TYPES: ReadonlyArray<[abstract new (...args: never[]) => ReducibleArray, ElementType]> = [
  [Float64Array, { name: 'Float64Array', native: 0, integer: false, create: (n) => new Float64Array(n) }],
  [Float32Array, { name: 'Float32Array', native: 1, integer: false, create: (n) => new Float32Array(n) }],
  [Int32Array, { name: 'Int32Array', native: 2, integer: true, create: (n) => new Int32Array(n) }],
  [Uint32Array, { name: 'Uint32Array', native: 3, integer: true, create: (n) => new Uint32Array(n) }],
  [BigInt64Array, { name: 'BigInt64Array', native: 4, integer: true, create: (n) => new BigInt64Array(n) }],
];

/** A checked reduction: what the addon needs, and a fresh array for the result when value is one. */
export interface ReduceArguments {
  nativeType: number;
  nativeOp: number;
  /** The number, or a Buffer over the array's bytes. */
  nativeValue: number | Buffer;
  /** Created only where the result arrives. */
  result: ReducibleArray | null;
}

function elementType(value: unknown): ElementType | undefined {
  return ELEMENT_TYPES.find(([constructor]) => value instanceof constructor)?.[1];
}

/** Checks value and op; receives says whether the result arrives on this rank. */
export function checkReduce(value: unknown, op: unknown, receives: boolean): ReduceArguments {
  if (typeof value === 'number') {
    expectOneOf(op, 'op', FLOAT_OPS);
    return { nativeType: 0, nativeOp: NATIVE_OPS[op], nativeValue: value, result: null };
  }
  const type = elementType(value);
  if (type === undefined) {
    const names = ELEMENT_TYPES.map(([, { name }]) => name).join(', ');
    throw new TypeError(
      `Expected a number or a typed array (${names}) for value but received ${describe(value)}`,
    );
  }
  const array = value as ReducibleArray;
  expectOneOf(op, `op on a ${type.name}`, type.integer ? INTEGER_OPS : FLOAT_OPS);
  expectInteger(array.length, 'value.length', 0, 2147483647);
  return {
    nativeType: type.native,
    nativeOp: NATIVE_OPS[op],
    nativeValue: Buffer.from(array.buffer, array.byteOffset, array.byteLength),
    result: receives ? type.create(array.length) : null,
  };
}

/** The Buffer the addon writes the result into, or null. */
export function resultBytes(result: ReducibleArray | null): Buffer | null {
  return result === null ? null : Buffer.from(result.buffer, result.byteOffset, result.byteLength);
}

/** Where a reduction goes: root -1 is allreduce; receives says whether the result arrives here. */
export interface ReduceTarget {
  handle: number;
  root: number;
  receives: boolean;
}

/** Queues a checked reduction; resolves to the number, the result array, or null off the root. */
export function reduceAsync(
  queue: OpQueue,
  binding: NativeBinding,
  { handle, root, receives }: ReduceTarget,
  { nativeType, nativeOp, nativeValue, result }: ReduceArguments,
): Promise<number | ReducibleArray | null> {
  return queue.run<number | null | undefined, number | ReducibleArray | null>(
    (done) =>
      binding.reduceAsync(
        handle,
        root,
        receives,
        nativeType,
        nativeOp,
        nativeValue,
        resultBytes(result),
        done,
      ),
    (value) => (typeof nativeValue === 'number' ? (value as number | null) : result),
  );
}

/** Blocking {@link reduceAsync}. */
export function reduceSync(
  binding: NativeBinding,
  { handle, root, receives }: ReduceTarget,
  { nativeType, nativeOp, nativeValue, result }: ReduceArguments,
): number | ReducibleArray | null {
  const value = callNative(() =>
    binding.reduceSync(handle, root, receives, nativeType, nativeOp, nativeValue, resultBytes(result)),
  );
  return typeof nativeValue === 'number' ? (value as number | null) : result;
}

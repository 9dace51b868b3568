// The arguments of a communicator's calls, checked and turned into what the addon takes.
import type { NativeBinding, NativeGathered } from './binding.js';
import { ANY_SOURCE, ANY_TAG } from './p2p.js';
import {
  expectBuffer,
  expectBuffers,
  expectInt32,
  expectInteger,
  expectOneOf,
  expectRank,
} from './validate.js';

/** Options of {@link Communicator.bcast}. */
export interface BcastOptions {
  /** On non-root ranks: receive into this Buffer when the message fits; the result is then a view of it. */
  into?: Buffer;
}

/** The kinds of {@link Communicator.splitType}: 'shared' groups the ranks that can share memory (one node). */
export type SplitType = 'shared';

const SPLIT_TYPES: readonly SplitType[] = ['shared'];
const INT32_MAX = 2147483647;

/** Cuts the addon's gathered block into one view per rank. */
export function splitGathered(gathered: NativeGathered): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const length of gathered.lengths) {
    parts.push(gathered.data.subarray(offset, offset + length));
    offset += length;
  }
  return parts;
}

/** The addon's source and tag for `source` and `tag` (ANY_SOURCE and ANY_TAG as MPI spells them). */
export function nativeEnvelope(binding: NativeBinding, source: number, tag: number): [number, number] {
  return [
    source === ANY_SOURCE ? binding.constants.ANY_SOURCE : source,
    tag === ANY_TAG ? binding.constants.ANY_TAG : tag,
  ];
}

/** Check a bcast's arguments on a rank of a communicator of `size`; says whether it is the root. */
export function checkBcast(
  buf: Buffer | null,
  root: number,
  options: BcastOptions,
  rank: number,
  size: number,
): { isRoot: boolean; into: Buffer | null } {
  expectRank(root, 'root', size);
  const isRoot = root === rank;
  if (isRoot) expectBuffer(buf, 'buf on the root');
  else if (buf !== null && buf !== undefined) expectBuffer(buf, 'buf');
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected an object for options but received ${String(options)}`);
  }
  if (options.into !== undefined) expectBuffer(options.into, 'options.into');
  return { isRoot, into: !isRoot && options.into !== undefined ? options.into : null };
}

/** A bcast's Buffer: the addon's, the root's own, or a view of `into` of the received length. */
export function bcastResult(result: Buffer | number, buf: Buffer | null, into: Buffer | null): Buffer {
  if (typeof result !== 'number') return result;
  return buf ?? (into as Buffer).subarray(0, result);
}

/** Check a gather's arguments on a communicator of `size`. */
export function checkGather(buf: Buffer, root: number, size: number): void {
  expectBuffer(buf, 'buf');
  expectRank(root, 'root', size);
}

/** Check a split's color and key; the addon's color (MPI_UNDEFINED for null). */
export function checkSplit(binding: NativeBinding, color: number | null, key: number): number {
  if (color !== null) expectInteger(color, 'color', 0, INT32_MAX);
  expectInt32(key, 'key');
  return color === null ? binding.constants.UNDEFINED : color;
}

/**
 * Checks a scatter's arguments on a rank of a communicator of `size`; the Buffers to send on the
 * root, null elsewhere (where bufs, when given, is checked the same way but not sent).
 */
export function checkScatter(
  bufs: readonly Buffer[] | null,
  root: number,
  rank: number,
  size: number,
): readonly Buffer[] | null {
  expectRank(root, 'root', size);
  if (root === rank) {
    expectBuffers(bufs, 'bufs', size, ' on the root');
    return bufs;
  }
  if (bufs !== null && bufs !== undefined) expectBuffers(bufs, 'bufs', size);
  return null;
}

/** A scatter's Buffer: the addon's, or on the root its own part (the addon gives its length). */
export function scatterResult(
  result: Buffer | number,
  parts: readonly Buffer[] | null,
  rank: number,
): Buffer {
  return typeof result === 'number' ? ((parts as readonly Buffer[])[rank] as Buffer) : result;
}

/** Checks an alltoall's Buffers: one per rank of a communicator of `size`. */
export function checkAlltoall(bufs: readonly Buffer[], size: number): void {
  expectBuffers(bufs, 'bufs', size);
}

/** Checks a splitType's type and key; the addon's split type. */
export function checkSplitType(binding: NativeBinding, type: SplitType, key: number): number {
  expectOneOf(type, 'type', SPLIT_TYPES);
  expectInt32(key, 'key');
  return binding.constants.COMM_TYPE_SHARED;
}

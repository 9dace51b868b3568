// A typed, validated wrapper around one MPI communicator handle of the addon: the collectives
// and the communicators made from it. Point-to-point calls come from point-to-point.ts.
import type { NativeBinding, NativeGathered } from './binding.js';
import { callNative, MpiError } from './errors.js';
import { PointToPointCommunicator } from './point-to-point.js';
import { checkReduce, reduceAsync, reduceSync, type ReduceOp, type ReducibleArray } from './reduce.js';
import { queueFor } from './runtime.js';
import {
  bcastResult,
  checkAlltoall,
  checkBcast,
  checkGather,
  checkScatter,
  checkSplit,
  checkSplitType,
  scatterResult,
  splitGathered,
  type BcastOptions,
  type SplitType,
} from './arguments.js';
import { expectBuffer, expectRank } from './validate.js';

/**
 * An MPI communicator. Collectives return Promises and wait off the JS thread; each has a Sync
 * variant that blocks. Collectives on one communicator run in call order, one at a time.
 */
export class Communicator extends PointToPointCommunicator {
  /** Resolves when every rank has entered the barrier. */
  barrier(): Promise<void> {
    const binding = this.ready();
    return queueFor(this.queue).run<void, void>(
      (done) => binding.barrierAsync(this.handle, done),
      () => undefined,
    );
  }

  /** Blocks until every rank has entered the barrier. */
  barrierSync(): void {
    const binding = this.readySync('barrierSync');
    callNative(() => binding.barrierSync(this.handle));
  }

  /**
   * Broadcasts root's buf; resolves to the message on every rank (on the root, buf itself).
   * Other ranks pass null (buf is ignored there); the length travels with the message.
   */
  bcast(buf: Buffer | null, root: number, options: BcastOptions = {}): Promise<Buffer> {
    const binding = this.ready();
    const { isRoot, into } = checkBcast(buf, root, options, this.rank, this.size);
    return queueFor(this.queue).run<Buffer | number, Buffer>(
      (done) => binding.bcastAsync(this.handle, root, isRoot, isRoot ? buf : null, into, done),
      (result) => bcastResult(result, isRoot ? buf : null, into),
    );
  }

  /** Blocking {@link bcast}. */
  bcastSync(buf: Buffer | null, root: number, options: BcastOptions = {}): Buffer {
    const binding = this.readySync('bcastSync');
    const { isRoot, into } = checkBcast(buf, root, options, this.rank, this.size);
    const result = callNative(() => binding.bcastSync(this.handle, root, isRoot, isRoot ? buf : null, into));
    return bcastResult(result, isRoot ? buf : null, into);
  }

  /** Collects every rank's buf on root, in rank order (lengths may differ); null on other ranks. */
  gather(buf: Buffer, root: number): Promise<Buffer[] | null> {
    const binding = this.ready();
    checkGather(buf, root, this.size);
    return queueFor(this.queue).run<NativeGathered | null, Buffer[] | null>(
      (done) => binding.gatherAsync(this.handle, root, this.rank, this.size, buf, done),
      (result) => (result === null ? null : splitGathered(result)),
    );
  }

  /** Blocking {@link gather}. */
  gatherSync(buf: Buffer, root: number): Buffer[] | null {
    const binding = this.readySync('gatherSync');
    checkGather(buf, root, this.size);
    const result = callNative(() => binding.gatherSync(this.handle, root, this.rank, this.size, buf));
    return result === null ? null : splitGathered(result);
  }

  /** Every rank's buf on every rank, in rank order (lengths may differ). */
  allgather(buf: Buffer): Promise<Buffer[]> {
    const binding = this.ready();
    expectBuffer(buf, 'buf');
    return queueFor(this.queue).run<NativeGathered | null, Buffer[]>(
      (done) => binding.gatherAsync(this.handle, -1, this.rank, this.size, buf, done),
      (result) => splitGathered(result as NativeGathered),
    );
  }

  /** Blocking {@link allgather}. */
  allgatherSync(buf: Buffer): Buffer[] {
    const binding = this.readySync('allgatherSync');
    expectBuffer(buf, 'buf');
    return splitGathered(callNative(() => binding.gatherSync(this.handle, -1, this.rank, this.size, buf))!);
  }

  /**
   * Sends bufs[i] from root to rank i (lengths may differ); resolves to this rank's message, on
   * the root bufs[root] itself. bufs is an array of size Buffers on the root; other ranks pass null.
   */
  scatter(bufs: readonly Buffer[] | null, root: number): Promise<Buffer> {
    const binding = this.ready();
    const parts = checkScatter(bufs, root, this.rank, this.size);
    return queueFor(this.queue).run<Buffer | number, Buffer>(
      (done) => binding.scatterAsync(this.handle, root, this.rank, this.size, parts, done),
      (result) => scatterResult(result, parts, this.rank),
    );
  }

  /** Blocking {@link scatter}. */
  scatterSync(bufs: readonly Buffer[] | null, root: number): Buffer {
    const binding = this.readySync('scatterSync');
    const parts = checkScatter(bufs, root, this.rank, this.size);
    const result = callNative(() => binding.scatterSync(this.handle, root, this.rank, this.size, parts));
    return scatterResult(result, parts, this.rank);
  }

  /**
   * Sends bufs[i] to rank i, one Buffer per rank (lengths may differ per pair); resolves to what
   * every rank sent this one, in rank order, as views of one received block.
   */
  alltoall(bufs: readonly Buffer[]): Promise<Buffer[]> {
    const binding = this.ready();
    checkAlltoall(bufs, this.size);
    return queueFor(this.queue).run<NativeGathered, Buffer[]>(
      (done) => binding.alltoallAsync(this.handle, this.rank, this.size, bufs, done),
      splitGathered,
    );
  }

  /** Blocking {@link alltoall}. */
  alltoallSync(bufs: readonly Buffer[]): Buffer[] {
    const binding = this.readySync('alltoallSync');
    checkAlltoall(bufs, this.size);
    return splitGathered(callNative(() => binding.alltoallSync(this.handle, this.rank, this.size, bufs)));
  }

  /**
   * Combines a number (as a double) or a typed array (element-wise; the same length on every
   * rank) from every rank; resolves to the result, a new number or array, on every rank.
   */
  allreduce(value: number, op: ReduceOp): Promise<number>;
  allreduce<T extends ReducibleArray>(value: T, op: ReduceOp): Promise<T>;
  allreduce(value: number | ReducibleArray, op: ReduceOp): Promise<number | ReducibleArray> {
    const binding = this.ready();
    const target = { handle: this.handle, root: -1, receives: true };
    return reduceAsync(queueFor(this.queue), binding, target, checkReduce(value, op, true)) as Promise<
      number | ReducibleArray
    >;
  }

  /** Blocking {@link allreduce}. */
  allreduceSync(value: number, op: ReduceOp): number;
  allreduceSync<T extends ReducibleArray>(value: T, op: ReduceOp): T;
  allreduceSync(value: number | ReducibleArray, op: ReduceOp): number | ReducibleArray {
    const binding = this.readySync('allreduceSync');
    const target = { handle: this.handle, root: -1, receives: true };
    return reduceSync(binding, target, checkReduce(value, op, true)) as number | ReducibleArray;
  }

  /** Like {@link allreduce}, but the result arrives on root only; the other ranks get null. */
  reduce(value: number, op: ReduceOp, root: number): Promise<number | null>;
  reduce<T extends ReducibleArray>(value: T, op: ReduceOp, root: number): Promise<T | null>;
  reduce(
    value: number | ReducibleArray,
    op: ReduceOp,
    root: number,
  ): Promise<number | ReducibleArray | null> {
    const binding = this.ready();
    expectRank(root, 'root', this.size);
    const target = { handle: this.handle, root, receives: root === this.rank };
    return reduceAsync(queueFor(this.queue), binding, target, checkReduce(value, op, target.receives));
  }

  /** Blocking {@link reduce}. */
  reduceSync(value: number, op: ReduceOp, root: number): number | null;
  reduceSync<T extends ReducibleArray>(value: T, op: ReduceOp, root: number): T | null;
  reduceSync(value: number | ReducibleArray, op: ReduceOp, root: number): number | ReducibleArray | null {
    const binding = this.readySync('reduceSync');
    expectRank(root, 'root', this.size);
    const target = { handle: this.handle, root, receives: root === this.rank };
    return reduceSync(binding, target, checkReduce(value, op, target.receives));
  }

  /**
   * Partitions the communicator by color, ordering each part by key (default: rank). Resolves to
   * this rank's new communicator, or null where color is null (MPI_UNDEFINED).
   */
  split(color: number | null, key: number = this.rank): Promise<Communicator | null> {
    const binding = this.ready();
    const nativeColor = checkSplit(binding, color, key);
    return queueFor(this.queue).run<number | null, Communicator | null>(
      (done) => binding.splitAsync(this.handle, nativeColor, key, done),
      (handle) => (handle === null ? null : new Communicator(binding, handle)),
    );
  }

  /** Blocking {@link split}. */
  splitSync(color: number | null, key: number = this.rank): Communicator | null {
    const binding = this.readySync('splitSync');
    const nativeColor = checkSplit(binding, color, key);
    const handle = callNative(() => binding.splitSync(this.handle, nativeColor, key));
    return handle === null ? null : new Communicator(binding, handle);
  }

  /**
   * Partitions the communicator by hardware (MPI_Comm_split_type): with 'shared', the ranks that
   * can share memory, i.e. those of one node, ordered by key (default: rank).
   */
  splitType(type: SplitType, key: number = this.rank): Promise<Communicator> {
    const binding = this.ready();
    const nativeType = checkSplitType(binding, type, key);
    return queueFor(this.queue).run<number | null, Communicator>(
      (done) => binding.splitTypeAsync(this.handle, nativeType, key, done),
      (handle) => this.#created(binding, handle, type),
    );
  }

  /** Blocking {@link splitType}. */
  splitTypeSync(type: SplitType, key: number = this.rank): Communicator {
    const binding = this.readySync('splitTypeSync');
    const nativeType = checkSplitType(binding, type, key);
    const handle = callNative(() => binding.splitTypeSync(this.handle, nativeType, key));
    return this.#created(binding, handle, type);
  }

  /** A new communicator with the same group and its own message space (MPI_Comm_dup). */
  dup(): Promise<Communicator> {
    const binding = this.ready();
    return queueFor(this.queue).run<number, Communicator>(
      (done) => binding.dupAsync(this.handle, done),
      (handle) => new Communicator(binding, handle),
    );
  }

  /** Blocking {@link dup}. */
  dupSync(): Communicator {
    const binding = this.readySync('dupSync');
    return new Communicator(
      binding,
      callNative(() => binding.dupSync(this.handle)),
    );
  }

  /** Releases the communicator (MPI_Comm_free); using it afterwards throws TypeError. */
  free(): void {
    if (this.isWorld) throw new TypeError('the world communicator cannot be freed');
    const binding = this.readySync('free');
    callNative(() => binding.commFree(this.handle));
    this.markFreed();
  }

  // Every rank is on some node: MPI_Comm_split_type with a type and no MPI_UNDEFINED never gives
  // MPI_COMM_NULL, and an MPI that does is wrong.
  #created(binding: NativeBinding, handle: number | null, type: SplitType): Communicator {
    if (handle === null) {
      throw new MpiError(
        `splitType('${type}') on rank ${this.rank}: MPI_Comm_split_type returned MPI_COMM_NULL`,
        {
          mpiFunction: 'MPI_Comm_split_type',
        },
      );
    }
    return new Communicator(binding, handle);
  }
}

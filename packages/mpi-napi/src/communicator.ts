// A typed, validated wrapper around one MPI communicator handle of the addon.
import type { NativeBinding, NativeGathered, NativeProbed, NativeReceived } from './binding.js';
import { callNative } from './errors.js';
import {
  ANY_SOURCE,
  ANY_TAG,
  checkEnvelope,
  checkRecvOptions,
  checkSend,
  receivedFrom,
  ReceiveOrder,
  type Probed,
  type Received,
  type RecvOptions,
} from './p2p.js';
import { OpQueue, runUnqueued } from './queue.js';
import {
  checkReduce,
  resultBytes,
  type ReduceArguments,
  type ReduceOp,
  type ReducibleArray,
} from './reduce.js';
import {
  assertNoOverlap,
  assertNoSerializedOverlap,
  assertUnqueuedAllowed,
  queueFor,
  tagUpperBound,
  usableBinding,
} from './runtime.js';
import {
  bcastResult,
  checkBcast,
  checkGather,
  checkSplit,
  nativeEnvelope,
  splitGathered,
  type BcastOptions,
} from './arguments.js';
import { expectBuffer, expectRank } from './validate.js';

/**
 * An MPI communicator. Collectives return Promises and wait off the JS thread; each has a Sync
 * variant that blocks. Collectives on one communicator run in call order, one at a time.
 */
export class Communicator {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of processes in the communicator. */
  readonly size: number;
  /** True for the world communicator, which cannot be freed. */
  readonly isWorld: boolean;
  readonly #handle: number;
  readonly #queue = new OpQueue();
  readonly #receives = new ReceiveOrder();
  #freed = false;

  /** @internal Communicators come from world(), split() and dup(). */
  constructor(binding: NativeBinding, handle: number, isWorld = false) {
    this.#handle = handle;
    this.isWorld = isWorld;
    this.rank = callNative(() => binding.commRank(handle));
    this.size = callNative(() => binding.commSize(handle));
  }

  /** True once free() was called. */
  get freed(): boolean {
    return this.#freed;
  }

  /**
   * Sends buf to rank dest (MPI_Isend); resolves when buf may be reused. Sends and receives start
   * at once, beside any pending collective, and keep MPI's order between two ranks.
   */
  send(buf: Buffer, dest: number, tag = 0): Promise<void> {
    const binding = this.#ready();
    checkSend(buf, dest, tag, this.size, tagUpperBound(binding));
    assertUnqueuedAllowed('send');
    return runUnqueued<void, void>(
      (done) => binding.sendAsync(this.#handle, buf, dest, tag, done),
      () => undefined,
    );
  }

  /** Blocking {@link send}. */
  sendSync(buf: Buffer, dest: number, tag = 0): void {
    const binding = this.#ready();
    checkSend(buf, dest, tag, this.size, tagUpperBound(binding));
    assertNoSerializedOverlap('sendSync');
    callNative(() => binding.sendSync(this.#handle, buf, dest, tag));
  }

  /**
   * Receives the next message from source with tag (either may be ANY_SOURCE / ANY_TAG), of any
   * length; resolves to the message and who sent it with which tag.
   */
  recv(source: number = ANY_SOURCE, tag: number = ANY_TAG, options: RecvOptions = {}): Promise<Received> {
    const binding = this.#ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    const into = checkRecvOptions(options);
    assertUnqueuedAllowed('recv');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return this.#receives.run(source, tag, () =>
      runUnqueued<NativeReceived, Received>(
        (done) => binding.recvAsync(this.#handle, nativeSource, nativeTag, into, done),
        (result) => receivedFrom(result, into),
      ),
    );
  }

  /** Blocking {@link recv}. */
  recvSync(source: number = ANY_SOURCE, tag: number = ANY_TAG, options: RecvOptions = {}): Received {
    const binding = this.#ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    const into = checkRecvOptions(options);
    assertNoSerializedOverlap('recvSync');
    this.#receives.assertNoCompetitor(source, tag, 'recvSync');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return receivedFrom(
      callNative(() => binding.recvSync(this.#handle, nativeSource, nativeTag, into)),
      into,
    );
  }

  /** Waits for a message from source with tag and resolves to its envelope and size, leaving it to be received. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Promise<Probed> {
    const binding = this.#ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    assertUnqueuedAllowed('probe');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return runUnqueued<NativeProbed, Probed>(
      (done) => binding.probeAsync(this.#handle, nativeSource, nativeTag, done),
      (result) => result,
    );
  }

  /** Blocking {@link probe}. */
  probeSync(source: number = ANY_SOURCE, tag: number = ANY_TAG): Probed {
    const binding = this.#ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    assertNoSerializedOverlap('probeSync');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return callNative(() => binding.probeSync(this.#handle, nativeSource, nativeTag));
  }

  /** Resolves when every rank has entered the barrier. */
  barrier(): Promise<void> {
    const binding = this.#ready();
    return queueFor(this.#queue).run<void, void>(
      (done) => binding.barrierAsync(this.#handle, done),
      () => undefined,
    );
  }

  /** Blocks until every rank has entered the barrier. */
  barrierSync(): void {
    const binding = this.#readySync('barrierSync');
    callNative(() => binding.barrierSync(this.#handle));
  }

  /**
   * Broadcasts root's buf; resolves to the message on every rank (on the root, buf itself).
   * Other ranks pass null (buf is ignored there); the length travels with the message.
   */
  bcast(buf: Buffer | null, root: number, options: BcastOptions = {}): Promise<Buffer> {
    const binding = this.#ready();
    const { isRoot, into } = checkBcast(buf, root, options, this.rank, this.size);
    return queueFor(this.#queue).run<Buffer | number, Buffer>(
      (done) => binding.bcastAsync(this.#handle, root, isRoot, isRoot ? buf : null, into, done),
      (result) => bcastResult(result, isRoot ? buf : null, into),
    );
  }

  /** Blocking {@link bcast}. */
  bcastSync(buf: Buffer | null, root: number, options: BcastOptions = {}): Buffer {
    const binding = this.#readySync('bcastSync');
    const { isRoot, into } = checkBcast(buf, root, options, this.rank, this.size);
    const result = callNative(() => binding.bcastSync(this.#handle, root, isRoot, isRoot ? buf : null, into));
    return bcastResult(result, isRoot ? buf : null, into);
  }

  /** Collects every rank's buf on root, in rank order (lengths may differ); null on other ranks. */
  gather(buf: Buffer, root: number): Promise<Buffer[] | null> {
    const binding = this.#ready();
    checkGather(buf, root, this.size);
    return queueFor(this.#queue).run<NativeGathered | null, Buffer[] | null>(
      (done) => binding.gatherAsync(this.#handle, root, this.rank, this.size, buf, done),
      (result) => (result === null ? null : splitGathered(result)),
    );
  }

  /** Blocking {@link gather}. */
  gatherSync(buf: Buffer, root: number): Buffer[] | null {
    const binding = this.#readySync('gatherSync');
    checkGather(buf, root, this.size);
    const result = callNative(() => binding.gatherSync(this.#handle, root, this.rank, this.size, buf));
    return result === null ? null : splitGathered(result);
  }

  /** Every rank's buf on every rank, in rank order (lengths may differ). */
  allgather(buf: Buffer): Promise<Buffer[]> {
    const binding = this.#ready();
    expectBuffer(buf, 'buf');
    return queueFor(this.#queue).run<NativeGathered | null, Buffer[]>(
      (done) => binding.gatherAsync(this.#handle, -1, this.rank, this.size, buf, done),
      (result) => splitGathered(result as NativeGathered),
    );
  }

  /** Blocking {@link allgather}. */
  allgatherSync(buf: Buffer): Buffer[] {
    const binding = this.#readySync('allgatherSync');
    expectBuffer(buf, 'buf');
    return splitGathered(callNative(() => binding.gatherSync(this.#handle, -1, this.rank, this.size, buf))!);
  }

  /**
   * Combines a number (as a double) or a typed array (element-wise; the same length on every
   * rank) from every rank; resolves to the result, a new number or array, on every rank.
   */
  allreduce(value: number, op: ReduceOp): Promise<number>;
  allreduce<T extends ReducibleArray>(value: T, op: ReduceOp): Promise<T>;
  allreduce(value: number | ReducibleArray, op: ReduceOp): Promise<number | ReducibleArray> {
    const binding = this.#ready();
    return this.#reduceAsync(binding, -1, checkReduce(value, op, true)) as Promise<number | ReducibleArray>;
  }

  /** Blocking {@link allreduce}. */
  allreduceSync(value: number, op: ReduceOp): number;
  allreduceSync<T extends ReducibleArray>(value: T, op: ReduceOp): T;
  allreduceSync(value: number | ReducibleArray, op: ReduceOp): number | ReducibleArray {
    const binding = this.#readySync('allreduceSync');
    return this.#reduceSync(binding, -1, checkReduce(value, op, true)) as number | ReducibleArray;
  }

  /** Like {@link allreduce}, but the result arrives on root only; the other ranks get null. */
  reduce(value: number, op: ReduceOp, root: number): Promise<number | null>;
  reduce<T extends ReducibleArray>(value: T, op: ReduceOp, root: number): Promise<T | null>;
  reduce(
    value: number | ReducibleArray,
    op: ReduceOp,
    root: number,
  ): Promise<number | ReducibleArray | null> {
    const binding = this.#ready();
    expectRank(root, 'root', this.size);
    return this.#reduceAsync(binding, root, checkReduce(value, op, root === this.rank));
  }

  /** Blocking {@link reduce}. */
  reduceSync(value: number, op: ReduceOp, root: number): number | null;
  reduceSync<T extends ReducibleArray>(value: T, op: ReduceOp, root: number): T | null;
  reduceSync(value: number | ReducibleArray, op: ReduceOp, root: number): number | ReducibleArray | null {
    const binding = this.#readySync('reduceSync');
    expectRank(root, 'root', this.size);
    return this.#reduceSync(binding, root, checkReduce(value, op, root === this.rank));
  }

  /**
   * Partitions the communicator by color, ordering each part by key (default: rank). Resolves to
   * this rank's new communicator, or null where color is null (MPI_UNDEFINED).
   */
  split(color: number | null, key: number = this.rank): Promise<Communicator | null> {
    const binding = this.#ready();
    const nativeColor = checkSplit(binding, color, key);
    return queueFor(this.#queue).run<number | null, Communicator | null>(
      (done) => binding.splitAsync(this.#handle, nativeColor, key, done),
      (handle) => (handle === null ? null : new Communicator(binding, handle)),
    );
  }

  /** Blocking {@link split}. */
  splitSync(color: number | null, key: number = this.rank): Communicator | null {
    const binding = this.#readySync('splitSync');
    const nativeColor = checkSplit(binding, color, key);
    const handle = callNative(() => binding.splitSync(this.#handle, nativeColor, key));
    return handle === null ? null : new Communicator(binding, handle);
  }

  /** A new communicator with the same group and its own message space (MPI_Comm_dup). */
  dup(): Promise<Communicator> {
    const binding = this.#ready();
    return queueFor(this.#queue).run<number, Communicator>(
      (done) => binding.dupAsync(this.#handle, done),
      (handle) => new Communicator(binding, handle),
    );
  }

  /** Blocking {@link dup}. */
  dupSync(): Communicator {
    const binding = this.#readySync('dupSync');
    return new Communicator(
      binding,
      callNative(() => binding.dupSync(this.#handle)),
    );
  }

  /** Releases the communicator (MPI_Comm_free); using it afterwards throws TypeError. */
  free(): void {
    if (this.isWorld) throw new TypeError('the world communicator cannot be freed');
    const binding = this.#readySync('free');
    callNative(() => binding.commFree(this.#handle));
    this.#freed = true;
  }

  #ready(): NativeBinding {
    if (this.#freed) throw new TypeError('communicator already freed');
    return usableBinding();
  }

  #readySync(operation: string): NativeBinding {
    const binding = this.#ready();
    assertNoOverlap(this.#queue, operation);
    return binding;
  }

  #reduceAsync(
    binding: NativeBinding,
    root: number,
    reduction: ReduceArguments,
  ): Promise<number | ReducibleArray | null> {
    const { nativeType, nativeOp, nativeValue, result } = reduction;
    const receives = root < 0 || root === this.rank;
    return queueFor(this.#queue).run<number | null | undefined, number | ReducibleArray | null>(
      (done) =>
        binding.reduceAsync(
          this.#handle,
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

  #reduceSync(
    binding: NativeBinding,
    root: number,
    reduction: ReduceArguments,
  ): number | ReducibleArray | null {
    const { nativeType, nativeOp, nativeValue, result } = reduction;
    const receives = root < 0 || root === this.rank;
    const value = callNative(() =>
      binding.reduceSync(
        this.#handle,
        root,
        receives,
        nativeType,
        nativeOp,
        nativeValue,
        resultBytes(result),
      ),
    );
    return typeof nativeValue === 'number' ? (value as number | null) : result;
  }
}

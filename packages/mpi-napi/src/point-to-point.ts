// A communicator's handle, its state and its point-to-point calls; Communicator (communicator.ts)
// adds the collectives on top.
import { nativeEnvelope } from './arguments.js';
import type { NativeBinding } from './binding.js';
import { callNative } from './errors.js';
import {
  ANY_SOURCE,
  ANY_TAG,
  checkEnvelope,
  checkRecvOptions,
  checkSend,
  probedFrom,
  receivedEnvelope,
  receivedFrom,
  ReceiveOrder,
  type Probed,
  type Received,
  type RecvOptions,
} from './p2p.js';
import { OpQueue, runUnqueued } from './queue.js';
import {
  assertNoOverlap,
  assertNoSerializedOverlap,
  assertUnqueuedAllowed,
  tagUpperBound,
  usableBinding,
} from './runtime.js';

/**
 * The point-to-point half of an MPI communicator: send, recv and probe. Use {@link Communicator},
 * which adds the collectives.
 */
export class PointToPointCommunicator {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of processes in the communicator. */
  readonly size: number;
  /** True for the world communicator, which cannot be freed. */
  readonly isWorld: boolean;
  /** @internal The addon's index of the MPI communicator. */
  protected readonly handle: number;
  /** @internal The collectives of this communicator, in call order. */
  protected readonly queue = new OpQueue();
  readonly #receives = new ReceiveOrder();
  #freed = false;

  /** @internal Communicators come from world(), split(), splitType() and dup(). */
  constructor(binding: NativeBinding, handle: number, isWorld = false) {
    this.handle = handle;
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
    const binding = this.ready();
    checkSend(buf, dest, tag, this.size, tagUpperBound(binding));
    assertUnqueuedAllowed('send');
    return runUnqueued<void, void>(
      (done) => binding.sendAsync(this.handle, buf, dest, tag, done),
      () => undefined,
    );
  }

  /** Blocking {@link send}. */
  sendSync(buf: Buffer, dest: number, tag = 0): void {
    const binding = this.ready();
    checkSend(buf, dest, tag, this.size, tagUpperBound(binding));
    assertNoSerializedOverlap('sendSync');
    callNative(() => binding.sendSync(this.handle, buf, dest, tag));
  }

  /**
   * Receives the next message from source with tag (either may be ANY_SOURCE / ANY_TAG), of any
   * length; resolves to the message and who sent it with which tag.
   */
  recv(source: number = ANY_SOURCE, tag: number = ANY_TAG, options: RecvOptions = {}): Promise<Received> {
    const binding = this.ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    const into = checkRecvOptions(options);
    assertUnqueuedAllowed('recv');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return this.#receives.run(source, tag, () =>
      runUnqueued<Buffer | number, Received>(
        (done) => binding.recvAsync(this.handle, nativeSource, nativeTag, receivedEnvelope, into, done),
        (result) => receivedFrom(result, into),
      ),
    );
  }

  /** Blocking {@link recv}. */
  recvSync(source: number = ANY_SOURCE, tag: number = ANY_TAG, options: RecvOptions = {}): Received {
    const binding = this.ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    const into = checkRecvOptions(options);
    assertNoSerializedOverlap('recvSync');
    this.#receives.assertNoCompetitor(source, tag, 'recvSync');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return receivedFrom(
      callNative(() => binding.recvSync(this.handle, nativeSource, nativeTag, receivedEnvelope, into)),
      into,
    );
  }

  /** Waits for a message from source with tag and resolves to its envelope and size, leaving it to be received. */
  probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Promise<Probed> {
    const binding = this.ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    assertUnqueuedAllowed('probe');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return runUnqueued<number, Probed>(
      (done) => binding.probeAsync(this.handle, nativeSource, nativeTag, receivedEnvelope, done),
      probedFrom,
    );
  }

  /** Blocking {@link probe}. */
  probeSync(source: number = ANY_SOURCE, tag: number = ANY_TAG): Probed {
    const binding = this.ready();
    checkEnvelope(source, tag, this.size, tagUpperBound(binding));
    assertNoSerializedOverlap('probeSync');
    const [nativeSource, nativeTag] = nativeEnvelope(binding, source, tag);
    return probedFrom(
      callNative(() => binding.probeSync(this.handle, nativeSource, nativeTag, receivedEnvelope)),
    );
  }

  /** @internal The binding, once this communicator is known to be usable. */
  protected ready(): NativeBinding {
    if (this.#freed) throw new TypeError('communicator already freed');
    return usableBinding();
  }

  /** @internal The binding for a sync collective, which must not overtake a pending async one. */
  protected readySync(operation: string): NativeBinding {
    const binding = this.ready();
    assertNoOverlap(this.queue, operation);
    return binding;
  }

  /** @internal Records that MPI_Comm_free released the handle. */
  protected markFreed(): void {
    this.#freed = true;
  }
}

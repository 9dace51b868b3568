// Point-to-point arguments and the order of receives. MPI matches receives in the order they were
// posted; an async receive is posted when its matched probe runs, which may be on a worker thread.
// So a receive that could match the same message as an earlier pending one starts only once that
// one completed; receives that cannot compete run side by side.
import { MpiError } from './errors.js';
import { expectBuffer, expectInteger, expectRank } from './validate.js';

/** Receive or probe from any rank (MPI_ANY_SOURCE). */
export const ANY_SOURCE = -1;
/** Receive or probe any tag (MPI_ANY_TAG). */
export const ANY_TAG = -1;

/** A received message and its envelope. */
export interface Received {
  /** The message: a view of `into` when it fitted there, else a new Buffer. */
  data: Buffer;
  /** The rank that sent it. */
  source: number;
  /** Its tag. */
  tag: number;
}

/** What a probe learns about the next matching message, without receiving it. */
export interface Probed {
  source: number;
  tag: number;
  /** Its length in bytes. */
  size: number;
}

/** Options of {@link Communicator.recv}. */
export interface RecvOptions {
  /** Receive into this Buffer when the message fits; the result's data is then a view of it. */
  into?: Buffer;
}

/** Checks a destination rank and a send tag. */
export function checkSend(buf: Buffer, dest: number, tag: number, size: number, tagUpperBound: number): void {
  expectBuffer(buf, 'buf');
  expectRank(dest, 'dest', size);
  expectInteger(tag, 'tag', 0, tagUpperBound);
}

/** Checks a source (a rank or ANY_SOURCE) and a tag (or ANY_TAG) of a receive or probe. */
export function checkEnvelope(source: number, tag: number, size: number, tagUpperBound: number): void {
  if (source !== ANY_SOURCE) expectRank(source, 'source', size);
  if (tag !== ANY_TAG) expectInteger(tag, 'tag', 0, tagUpperBound);
}

/** Checks the options of a receive; returns the Buffer to receive into, or null. */
export function checkRecvOptions(options: RecvOptions): Buffer | null {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected an object for options but received ${String(options)}`);
  }
  if (options.into === undefined) return null;
  expectBuffer(options.into, 'options.into');
  return options.into;
}

/**
 * Where the addon writes the source and tag of the message a receive or probe completed, right
 * before it returns or calls back; read at once, so calls of every communicator share it.
 */
export const receivedEnvelope = new Int32Array(2);

/** Turns the addon's receive result (and the envelope it wrote) into a {@link Received}. */
export function receivedFrom(data: Buffer | number, into: Buffer | null): Received {
  const message = typeof data === 'number' ? (into as Buffer).subarray(0, data) : data;
  return { data: message, source: receivedEnvelope[0] as number, tag: receivedEnvelope[1] as number };
}

/** Turns the addon's probe result (and the envelope it wrote) into a {@link Probed}. */
export function probedFrom(size: number): Probed {
  return { source: receivedEnvelope[0] as number, tag: receivedEnvelope[1] as number, size };
}

interface PendingReceive {
  source: number;
  tag: number;
  settled: Promise<unknown>;
}

function compete(a: { source: number; tag: number }, b: { source: number; tag: number }): boolean {
  const sources = a.source === b.source || a.source === ANY_SOURCE || b.source === ANY_SOURCE;
  return sources && (a.tag === b.tag || a.tag === ANY_TAG || b.tag === ANY_TAG);
}

/** The receives of one communicator that are still pending, in the order they were called. */
export class ReceiveOrder {
  readonly #pending: PendingReceive[] = [];

  /**
   * Runs start once every earlier pending receive that could match the same message completed.
   * Starts at once (in this call) when none is pending, which keeps MPI's order for free.
   */
  run<T>(source: number, tag: number, start: () => Promise<T>): Promise<T> {
    const earlier = this.#pending.filter((receive) => compete(receive, { source, tag }));
    const entry: PendingReceive = { source, tag, settled: Promise.resolve() };
    // Leaves the list before the caller's continuation runs, so a receive called there starts at once.
    const leave = (): void => {
      this.#pending.splice(this.#pending.indexOf(entry), 1);
    };
    const started =
      earlier.length === 0
        ? start()
        : Promise.allSettled(earlier.map((receive) => receive.settled)).then(start);
    const result = started.then(
      (value) => {
        leave();
        return value;
      },
      (error: unknown) => {
        leave();
        throw error;
      },
    );
    entry.settled = result.catch(() => undefined);
    this.#pending.push(entry);
    return result;
  }

  /** Throws when a sync receive could take a message an earlier async one is waiting for. */
  assertNoCompetitor(source: number, tag: number, operation: string): void {
    if (this.#pending.some((receive) => compete(receive, { source, tag }))) {
      throw new MpiError(
        `cannot ${operation} from source ${source} tag ${tag} while an async recv that could match the same message is pending; await it first`,
      );
    }
  }
}

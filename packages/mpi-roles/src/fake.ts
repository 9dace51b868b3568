import type { Communicator } from './communicator.js';

interface Pending {
  contributions: Map<number, unknown>;
  resolvers: Map<number, (results: Map<number, unknown>) => void>;
}

/** Shared state of one fake communicator: the n-th collective call of every rank meets in `calls[n]`. */
class FakeGroup {
  readonly #calls = new Map<number, Pending>();
  readonly #next: number[];

  constructor(readonly size: number) {
    this.#next = new Array<number>(size).fill(0);
  }

  /** Contribute `value` as `rank` to this rank's next collective; resolves with everyone's contributions. */
  meet(rank: number, value: unknown): Promise<Map<number, unknown>> {
    const index = this.#next[rank]!++;
    let pending = this.#calls.get(index);
    if (!pending) {
      pending = { contributions: new Map(), resolvers: new Map() };
      this.#calls.set(index, pending);
    }
    const call = pending;
    return new Promise((resolve) => {
      call.contributions.set(rank, value);
      call.resolvers.set(rank, resolve);
      if (call.contributions.size === this.size) {
        this.#calls.delete(index);
        // Resolve asynchronously, like a real network would.
        setImmediate(() => call.resolvers.forEach((done) => done(call.contributions)));
      }
    });
  }
}

/** An in-process communicator for tests: `createFakeWorld(n)` gives one per rank, all in this process. */
class FakeCommunicator implements Communicator {
  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly group: FakeGroup,
  ) {}

  async barrier(): Promise<void> {
    await this.group.meet(this.rank, null);
  }

  async bcast(data: Buffer | null, root: number): Promise<Buffer> {
    const all = await this.group.meet(this.rank, this.rank === root ? data : null);
    const sent = all.get(root);
    if (!Buffer.isBuffer(sent)) throw new TypeError(`fake bcast: root ${root} passed no Buffer`);
    return Buffer.from(sent);
  }

  async allgather(data: Buffer): Promise<Buffer[]> {
    const all = await this.group.meet(this.rank, data);
    return Array.from({ length: this.size }, (_, r) => Buffer.from(all.get(r) as Buffer));
  }

  async split(color: number | null, key: number): Promise<Communicator | null> {
    const all = await this.group.meet(this.rank, { color, key });
    // Every rank of a color must get the same FakeGroup: build them once, on the lowest rank's call.
    const cache = splitGroups.get(all) ?? new Map<number, { group: FakeGroup; order: number[] }>();
    splitGroups.set(all, cache);
    if (color === null) return null;
    let entry = cache.get(color);
    if (!entry) {
      const members = [...all.entries()]
        .filter(([, v]) => (v as { color: number | null }).color === color)
        .sort(([ra, a], [rb, b]) => (a as { key: number }).key - (b as { key: number }).key || ra - rb)
        .map(([r]) => r);
      entry = { group: new FakeGroup(members.length), order: members };
      cache.set(color, entry);
    }
    return new FakeCommunicator(entry.order.indexOf(this.rank), entry.order.length, entry.group);
  }
}

const splitGroups = new WeakMap<Map<number, unknown>, Map<number, { group: FakeGroup; order: number[] }>>();

/** Communicators of `size` ranks living in this process, for tests of collective code. */
export function createFakeWorld(size: number): Communicator[] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`Expected a positive integer for size but received ${size}`);
  const group = new FakeGroup(size);
  return Array.from({ length: size }, (_, rank) => new FakeCommunicator(rank, size, group));
}

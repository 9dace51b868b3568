import type { Communicator } from '@dijitso/mpi-roles';

/** Values kept per (communicator, key), dropped with the communicator. */
export class PerCommunicator<K, V> {
  readonly #maps = new WeakMap<Communicator, Map<K, V>>();

  /** The value of (comm, key), made by `make` on first use. */
  get(comm: Communicator, key: K, make: () => V): V {
    let byKey = this.#maps.get(comm);
    if (!byKey) {
      byKey = new Map();
      this.#maps.set(comm, byKey);
    }
    let value = byKey.get(key);
    if (value === undefined) {
      value = make();
      byKey.set(key, value);
    }
    return value;
  }

  /** Forget the value of (comm, key). */
  delete(comm: Communicator, key: K): void {
    this.#maps.get(comm)?.delete(key);
  }
}

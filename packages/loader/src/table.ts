import type { Library } from './library.js';

/** One library loaded in this process. */
export interface TableEntry {
  signature: string;
  /** The cache key it was loaded from (signature + parameter hash). */
  key: string;
  lib: Library;
  path: string;
  /** The cache directory it was loaded from. */
  cacheDir: string;
  /** How many calls a hit on it counts as in that directory's statistics (0: another process counts them). */
  countAs: number;
  /** What besides the signature decided this entry (the caller's own string): a call with another is no hit. */
  fingerprint: string;
}

/** The in-memory table signature → loaded library of this process. */
export class LibraryTable {
  readonly #entries = new Map<string, TableEntry>();

  /** The entry of `signature`, if loaded. */
  get(signature: string): TableEntry | undefined {
    return this.#entries.get(signature);
  }

  /**
   * Record `entry`. A previous entry of the same signature (other parameters) is replaced but stays
   * loaded: functions bound from it may still be in use.
   */
  set(entry: TableEntry): void {
    this.#entries.set(entry.signature, entry);
  }

  /** Forget `signature` and unload its library; true when it was loaded. Functions bound from it must not be called again. */
  unload(signature: string): boolean {
    const entry = this.#entries.get(signature);
    if (!entry) return false;
    this.#entries.delete(signature);
    entry.lib.unload();
    return true;
  }

  /** Signatures currently loaded. */
  signatures(): string[] {
    return [...this.#entries.keys()];
  }

  /** Number of loaded libraries. */
  get size(): number {
    return this.#entries.size;
  }
}

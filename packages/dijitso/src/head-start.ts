import { lookupEntry, openCacheSync, type CacheHit } from '@dijitso/core-cache/runtime';
import { obtainEntry, type BuildJob, type BuiltEntry } from './build.js';

/**
 * A build started before the collective plan, on a rank its strategy names (`headStart`), as soon
 * as this rank's own directory misses: the compiler then runs while the ranks meet. The plan
 * either confirms it (this rank's group builds, and the protocol's build step joins it) or gives
 * the build to others: then it is abandoned, its compiler stopped and nothing of it kept.
 */
export class HeadStart {
  // Made only when a build starts: a warm call (a hit) never needs one, and aborting costs a
  // DOMException with its stack trace.
  #abandon: AbortController | undefined;
  readonly #own: Promise<CacheHit | null>;
  #build: Promise<{ hit: CacheHit; built: boolean }> | undefined;
  #built: BuiltEntry | undefined;
  #ship: ((entry: BuiltEntry) => void) | undefined;
  #joined = false;
  readonly #underway: Promise<void>;
  #markUnderway: () => void = () => undefined;

  /** Look up and, on a miss, start building; undefined when the directory cannot be opened (the rendezvous then reports that on every rank). */
  static begin(job: Omit<BuildJob, 'layout'>, dir: string): HeadStart | undefined {
    try {
      return new HeadStart({ ...job, layout: openCacheSync(dir) });
    } catch {
      return undefined;
    }
  }

  private constructor(job: BuildJob) {
    this.#underway = new Promise((resolve) => (this.#markUnderway = resolve));
    this.#own = lookupEntry(job.layout, job.key);
    this.#own.then(
      (hit) => {
        if (hit !== null) return this.#markUnderway();
        this.#abandon = new AbortController();
        this.#build = obtainEntry(job, {
          ship: (entry) => {
            this.#built = entry;
            this.#ship?.(entry);
          },
          signal: this.#abandon.signal,
          onCompiling: this.#markUnderway,
        });
        // Its failure matters only once joined, where it is awaited; an abandoned build's is moot.
        this.#build.catch(() => undefined).finally(this.#markUnderway);
      },
      this.#markUnderway, // the caller awaits own() and gets the error there
    );
  }

  /**
   * Resolves once this rank's own work ahead is under way: its directory hit, its compiler runs,
   * or its build ended; at the latest after `limitMs`, so that a slow generate or a wait for
   * another process's lock does not hold the other ranks back.
   */
  async underway(limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
    try {
      await Promise.race([this.#underway, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** This rank's own lookup, made ahead: the hit, or null when its directory misses. */
  own(): Promise<CacheHit | null> {
    return this.#own;
  }

  /** True once a build runs (own() resolved to a miss). */
  get building(): boolean {
    return this.#build !== undefined;
  }

  /**
   * The plan confirmed the build: it goes on, and `ship` gets the entry once it is compiled.
   * Resolves with the published entry (or the one another process published meanwhile).
   */
  async join(ship: (entry: BuiltEntry) => void): Promise<CacheHit> {
    this.#joined = true;
    this.#ship = ship;
    if (this.#built !== undefined) ship(this.#built);
    return (await this.#build!).hit;
  }

  /** The plan gave the build to others (or the call failed): stop it. Does nothing once joined. */
  abandon(): void {
    if (!this.#joined) this.#abandon?.abort();
  }

  /** Resolves once the build has ended either way: its lock released, its staging folder removed. */
  async settled(): Promise<void> {
    await this.#build?.catch(() => undefined);
  }
}

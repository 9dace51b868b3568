import type { Topology } from '../topology.js';

/** What a plan must know of the build beyond the topology. */
export interface BuildTraits {
  /** The binary is tied to the CPU that built it (`-march=native`): ship it only between equal CPUs. */
  hostSpecific: boolean;
  /**
   * The call's place among the collective calls on its communicator (0, 1, 2, … in program order,
   * the same on every rank): a strategy may spread builds over the groups by it.
   */
  turn?: number;
}

/** One broadcast of a binary: group `from` holds it (a hit or a build), groups `to` publish it. */
export interface Transfer {
  from: number;
  to: number[];
}

/** Who builds and who receives, by group index. Transfers run in order, after the builds. */
export interface Plan {
  builders: number[];
  transfers: Transfer[];
}

/** A build strategy: a plugin deciding who compiles and who receives. */
export interface BuildStrategy {
  readonly name: string;
  /** Decide who builds and who receives, from the topology and the hit map (one entry per group). */
  plan(topology: Topology, hits: ReadonlyArray<boolean>, traits: BuildTraits): Plan;
  /** This rank's cache directory under the configured one (default: the configured one). */
  directory?(baseDir: string, rank: number): string;
}

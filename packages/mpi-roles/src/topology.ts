/**
 * Which ranks share one physical cache directory, as found by the rendezvous. Groups are numbered
 * in the order of their leaders (lowest rank of each group), so group `g`'s leader has rank `g` in
 * the leaders' communicator (`leadersCommunicator`).
 */
export interface Topology {
  /** Rank in the communicator the topology was found for. */
  readonly rank: number;
  readonly size: number;
  /** This rank's cache directory. */
  readonly dir: string;
  /** World ranks of every group, ascending. */
  readonly groups: ReadonlyArray<ReadonlyArray<number>>;
  /** Group index of every rank. */
  readonly groupOf: ReadonlyArray<number>;
  /** Group of this rank. */
  readonly group: number;
  /** Leader (lowest rank) of every group. */
  readonly leaders: ReadonlyArray<number>;
  readonly isLeader: boolean;
  /** CPU fingerprint of every group's leader (host-specific builds are shipped only between equals). */
  readonly cpus: ReadonlyArray<string>;
  /** Host name of every group's leader, for messages. */
  readonly hosts: ReadonlyArray<string>;
  /** Whether every group's leader may write into its directory (a read-only cache still serves hits). */
  readonly writable: ReadonlyArray<boolean>;
  /** The rendezvous id (names the probe files). */
  readonly id: string;
}

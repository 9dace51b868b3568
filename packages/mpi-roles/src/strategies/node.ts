import type { BuildStrategy, Plan } from './types.js';

/** One build per group (per physical directory) that lacks the binary; nothing travels. */
export const nodeStrategy: BuildStrategy = {
  name: 'node',
  plan(topology, hits): Plan {
    return {
      builders: topology.groups.map((_, group) => group).filter((group) => !hits[group]),
      transfers: [],
    };
  },
  // Every group that misses builds; rank 0 is the only rank known to lead one before the rendezvous.
  headStart: (rank) => rank === 0,
};

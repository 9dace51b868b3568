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
};

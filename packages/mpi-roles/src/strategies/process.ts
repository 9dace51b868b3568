import { join } from 'node:path';
import type { BuildStrategy, Plan } from './types.js';

/**
 * Every rank builds for itself, in its own directory `<dir>/rank-<r>` (so every group is one rank
 * and no two ranks ever touch the same files).
 */
export const processStrategy: BuildStrategy = {
  name: 'process',
  plan(topology, hits): Plan {
    return {
      builders: topology.groups.map((_, group) => group).filter((group) => !hits[group]),
      transfers: [],
    };
  },
  directory(baseDir, rank) {
    return join(baseDir, `rank-${rank}`);
  },
};

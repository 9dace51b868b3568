import { join } from 'node:path';
import { nodeStrategy } from './node.js';
import type { BuildStrategy } from './types.js';

/**
 * Every rank builds for itself, in its own directory `<dir>/rank-<r>`: every group is then one
 * rank, and the plan is the node strategy's (each group that misses builds).
 */
export const processStrategy: BuildStrategy = {
  name: 'process',
  plan: nodeStrategy.plan,
  // Each rank is alone in its directory, so it leads its group, which builds whenever it misses.
  headStart: () => true,
  directory(baseDir, rank) {
    return join(baseDir, `rank-${rank}`);
  },
};

import { join } from 'node:path';
import { nodeStrategy } from './node.js';
import type { BuildStrategy } from './types.js';

/**
 * Every rank builds for itself, in its own directory `<dir>/rank-<r>`: every group is then one
 * rank, and the plan is the node strategy's (each rank builds when no directory holds the binary).
 */
export const processStrategy: BuildStrategy = {
  name: 'process',
  plan: nodeStrategy.plan,
  directory(baseDir, rank) {
    return join(baseDir, `rank-${rank}`);
  },
};

import { shipOrBuild } from './classes.js';
import type { BuildStrategy, Plan } from './types.js';

/**
 * One build in the whole job, shipped to every other group. A group already holding the binary is
 * the source instead (shipping beats compiling). Host-specific builds are shipped only between
 * groups with the same CPU: each CPU class gets its own source. The builder goes round the groups
 * with the call's turn, so the many calls of a program compile on many nodes at once.
 */
export const rootStrategy: BuildStrategy = {
  name: 'root',
  plan(topology, hits, traits): Plan {
    const turn = traits.turn ?? 0;
    return shipOrBuild(topology, hits, traits, (missing) => [missing[turn % missing.length]!]);
  },
};

import { shipOrBuild } from './classes.js';
import type { BuildStrategy, Plan } from './types.js';

/**
 * One build per group (per physical directory) when no group of the job holds the binary; when one
 * does, it is shipped from there instead, as under `root`.
 */
export const nodeStrategy: BuildStrategy = {
  name: 'node',
  plan(topology, hits, traits): Plan {
    return shipOrBuild(topology, hits, traits, (missing) => missing);
  },
};

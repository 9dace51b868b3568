import type { BuildStrategy, Plan } from './types.js';

/**
 * One build in the whole job, shipped to every other group. A group already holding the binary is
 * the source instead (shipping beats compiling). Host-specific builds are shipped only between
 * groups with the same CPU: each CPU class gets its own source.
 */
export const rootStrategy: BuildStrategy = {
  name: 'root',
  plan(topology, hits, traits): Plan {
    const classes = new Map<string, number[]>();
    topology.groups.forEach((_, group) => {
      const cls = traits.hostSpecific ? topology.cpus[group]! : '';
      classes.set(cls, [...(classes.get(cls) ?? []), group]);
    });
    const plan: Plan = { builders: [], transfers: [] };
    for (const members of classes.values()) {
      const missing = members.filter((group) => !hits[group]);
      if (missing.length === 0) continue;
      let source = members.find((group) => hits[group]);
      if (source === undefined) {
        source = members[0]!;
        plan.builders.push(source);
      }
      const to = missing.filter((group) => group !== source);
      if (to.length > 0) plan.transfers.push({ from: source, to });
    }
    return plan;
  },
  // Group 0 comes first in its CPU class: it builds whenever no group of that class has the binary.
  headStart: (rank) => rank === 0,
};

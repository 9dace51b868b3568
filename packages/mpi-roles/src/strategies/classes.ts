import type { Topology } from '../topology.js';
import type { BuildTraits, Plan } from './types.js';

/**
 * Groups that can run each other's binaries, in group order: all groups, or, for a host-specific
 * build (`-march=native`), one class per CPU fingerprint.
 */
export function binaryClasses(topology: Topology, traits: BuildTraits): number[][] {
  const classes = new Map<string, number[]>();
  topology.groups.forEach((_, group) => {
    const cls = traits.hostSpecific ? topology.cpus[group]! : '';
    classes.set(cls, [...(classes.get(cls) ?? []), group]);
  });
  return [...classes.values()];
}

/**
 * A plan per class of compatible groups: where a group of the class holds the binary, it is shipped
 * from the first such group to the others (shipping beats compiling, and no `generate` runs);
 * where none does, `builders(missing)` picks who compiles, and the first builder ships to every
 * missing group that does not build.
 */
export function shipOrBuild(
  topology: Topology,
  hits: ReadonlyArray<boolean>,
  traits: BuildTraits,
  builders: (missing: number[]) => number[],
): Plan {
  const plan: Plan = { builders: [], transfers: [] };
  for (const members of binaryClasses(topology, traits)) {
    const missing = members.filter((group) => !hits[group]);
    if (missing.length === 0) continue;
    let source = members.find((group) => hits[group]);
    if (source === undefined) {
      const chosen = builders(missing);
      plan.builders.push(...chosen);
      source = chosen[0];
    }
    const to = missing.filter((group) => !plan.builders.includes(group));
    if (source !== undefined && to.length > 0) plan.transfers.push({ from: source, to });
  }
  return plan;
}

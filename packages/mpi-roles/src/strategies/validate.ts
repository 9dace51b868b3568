import type { Topology } from '../topology.js';
import { StrategyError } from '../errors.js';
import type { BuildTraits, Plan } from './types.js';

/**
 * Check a plan before anyone acts on it: builders and senders exist, every group ends up with the
 * binary, and host-specific binaries travel only between equal CPUs. Every rank runs the same check
 * on the same inputs, so a bad plan fails everywhere at once instead of hanging a collective.
 */
export function validatePlan(
  plan: unknown,
  topology: Topology,
  hits: ReadonlyArray<boolean>,
  traits: BuildTraits,
  strategy: string,
): Plan {
  const fail = (what: string): never => {
    throw new StrategyError(`Strategy "${strategy}" made an invalid plan: ${what}`);
  };
  const groupCount = topology.groups.length;
  const isGroup = (g: unknown): g is number =>
    Number.isInteger(g) && (g as number) >= 0 && (g as number) < groupCount;
  if (typeof plan !== 'object' || plan === null) return fail('expected { builders, transfers }');
  const { builders, transfers } = plan as Partial<Plan>;
  if (!Array.isArray(builders) || !Array.isArray(transfers))
    return fail('expected arrays builders and transfers');
  const holds = new Set<number>(hits.flatMap((hit, group) => (hit ? [group] : [])));
  for (const builder of builders) {
    if (!isGroup(builder)) fail(`builder ${String(builder)} is not a group (0..${groupCount - 1})`);
    if (holds.has(builder)) fail(`group ${builder} builds but already holds the library`);
    holds.add(builder);
  }
  for (const transfer of transfers) {
    if (
      typeof transfer !== 'object' ||
      transfer === null ||
      !isGroup(transfer.from) ||
      !Array.isArray(transfer.to)
    ) {
      fail('a transfer is not { from: group, to: group[] }');
    }
    if (!holds.has(transfer.from)) fail(`group ${transfer.from} sends before it holds the library`);
    for (const to of transfer.to) {
      if (!isGroup(to)) fail(`transfer target ${String(to)} is not a group`);
      if (holds.has(to)) fail(`group ${to} receives but already holds the library`);
      if (traits.hostSpecific && topology.cpus[to] !== topology.cpus[transfer.from]) {
        fail(
          `the build is host-specific (-march=native) and group ${transfer.from} (${topology.hosts[transfer.from]}) ` +
            `has another CPU than group ${to} (${topology.hosts[to]})`,
        );
      }
      holds.add(to);
    }
  }
  for (let group = 0; group < groupCount; group++) {
    if (!holds.has(group))
      fail(`group ${group} (ranks ${topology.groups[group]!.join(', ')}) would end without the library`);
  }
  return plan as Plan;
}

import { describe } from '@dijitso/core-cache/runtime';
import { StrategyError } from '../errors.js';
import { nodeStrategy } from './node.js';
import { processStrategy } from './process.js';
import { rootStrategy } from './root.js';
import type { BuildStrategy } from './types.js';

const registry = new Map<string, BuildStrategy>();

/** The strategy used when neither the call nor `DIJITSO_STRATEGY` names one. */
export const DEFAULT_STRATEGY = 'root';

function check(strategy: unknown, where: string): BuildStrategy {
  if (typeof strategy !== 'object' || strategy === null) {
    throw new StrategyError(
      `Expected a strategy name or a BuildStrategy object for ${where} but received ${describe(strategy)}`,
    );
  }
  const s = strategy as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name.length === 0) {
    throw new StrategyError(`Expected a non-empty string for ${where}.name but received ${describe(s.name)}`);
  }
  if (typeof s.plan !== 'function') {
    throw new StrategyError(
      `Expected a function for ${where}.plan (strategy "${s.name}") but received ${describe(s.plan)}`,
    );
  }
  if (s.directory !== undefined && typeof s.directory !== 'function') {
    throw new StrategyError(
      `Expected a function or undefined for ${where}.directory but received ${describe(s.directory)}`,
    );
  }
  return strategy as BuildStrategy;
}

/** Make a strategy available by name (a later registration of the same name replaces it). */
export function registerStrategy(strategy: BuildStrategy): void {
  const checked = check(strategy, 'registerStrategy(strategy)');
  registry.set(checked.name, checked);
}

/** Names of the registered strategies. */
export function strategyNames(): string[] {
  return [...registry.keys()];
}

/**
 * The strategy for a call: an object is used as given, a name is looked up; with neither, the one
 * named by `DIJITSO_STRATEGY`, else `root`. An unknown name is a `StrategyError` listing the known ones.
 */
export function resolveStrategy(choice: string | BuildStrategy | undefined): BuildStrategy {
  if (choice !== undefined && typeof choice !== 'string') return check(choice, 'strategy');
  const fromEnv = process.env.DIJITSO_STRATEGY;
  const name = choice ?? (fromEnv || DEFAULT_STRATEGY);
  const found = registry.get(name);
  if (!found) {
    const where = choice === undefined ? ` (from DIJITSO_STRATEGY)` : '';
    throw new StrategyError(
      `Unknown strategy ${JSON.stringify(name)}${where}; known strategies are: ${strategyNames().join(', ')}. ` +
        'Register others with registerStrategy() or pass a BuildStrategy object.',
    );
  }
  return found;
}

for (const builtIn of [rootStrategy, nodeStrategy, processStrategy]) registerStrategy(builtIn);

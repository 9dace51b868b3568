import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  StrategyError,
  nodeStrategy,
  processStrategy,
  registerStrategy,
  resolveStrategy,
  rootStrategy,
  validatePlan,
  type Topology,
} from '../src/index.js';

function topology(groups: number, cpus?: string[]): Topology {
  const members = Array.from({ length: groups }, (_, g) => [2 * g, 2 * g + 1]);
  return {
    rank: 0,
    size: groups * 2,
    dir: '/x',
    groups: members,
    groupOf: members.flatMap((m, g) => m.map(() => g)),
    group: 0,
    leaders: members.map((m) => m[0]!),
    isLeader: true,
    cpus: cpus ?? members.map(() => 'cpu'),
    hosts: members.map((_, g) => `host${g}`),
    id: 'id',
  };
}

const plain = { hostSpecific: false };

test('root builds once and ships to every other group', () => {
  assert.deepEqual(rootStrategy.plan(topology(3), [false, false, false], plain), {
    builders: [0],
    transfers: [{ from: 0, to: [1, 2] }],
  });
});

test('root ships from a group that already holds the binary instead of compiling', () => {
  assert.deepEqual(rootStrategy.plan(topology(3), [false, true, false], plain), {
    builders: [],
    transfers: [{ from: 1, to: [0, 2] }],
  });
});

test('root ships host-specific builds only between equal CPUs', () => {
  const t = topology(4, ['a', 'b', 'a', 'b']);
  const plan = rootStrategy.plan(t, [false, false, false, false], { hostSpecific: true });
  assert.deepEqual(plan, {
    builders: [0, 1],
    transfers: [
      { from: 0, to: [2] },
      { from: 1, to: [3] },
    ],
  });
  assert.doesNotThrow(() =>
    validatePlan(plan, t, [false, false, false, false], { hostSpecific: true }, 'root'),
  );
  assert.throws(
    () =>
      validatePlan(
        { builders: [0], transfers: [{ from: 0, to: [1, 2, 3] }] },
        t,
        [false, false, false, false],
        { hostSpecific: true },
        'x',
      ),
    /host-specific/,
  );
});

test('node and process build in every group that misses', () => {
  assert.deepEqual(nodeStrategy.plan(topology(3), [false, true, false], plain), {
    builders: [0, 2],
    transfers: [],
  });
  assert.deepEqual(processStrategy.plan(topology(2), [false, false], plain), {
    builders: [0, 1],
    transfers: [],
  });
  assert.equal(processStrategy.directory!('/c', 5), '/c/rank-5');
});

test('a head start goes only to a rank whose group builds whenever every group misses', () => {
  for (const cpus of [undefined, ['a', 'b', 'a']]) {
    for (const hostSpecific of [false, true]) {
      const t = topology(3, cpus);
      for (const strategy of [rootStrategy, nodeStrategy]) {
        assert.equal(strategy.headStart!(0), true, strategy.name);
        assert.equal(strategy.headStart!(1), false, strategy.name);
        assert.ok(
          strategy.plan(t, [false, false, false], { hostSpecific }).builders.includes(0),
          strategy.name,
        );
      }
    }
  }
  // Under process each rank is a group of its own.
  const alone = topology(4);
  alone.groups.forEach((_, g) => assert.equal(processStrategy.headStart!(g), true));
  assert.deepEqual(processStrategy.plan(alone, [false, false, false, false], plain).builders, [0, 1, 2, 3]);
  assert.throws(
    () => resolveStrategy({ name: 'x', plan: nodeStrategy.plan, headStart: true } as never),
    /Expected a function or undefined for strategy\.headStart/,
  );
});

test('plans that leave a group without the library are refused', () => {
  const t = topology(3);
  const misses = [false, false, false];
  assert.throws(
    () => validatePlan({ builders: [0], transfers: [] }, t, misses, plain, 'lazy'),
    (e: unknown) => {
      assert.ok(e instanceof StrategyError);
      assert.match(e.message, /Strategy "lazy" .* group 1 \(ranks 2, 3\) would end without the library/);
      return true;
    },
  );
  assert.throws(
    () => validatePlan({ builders: [], transfers: [{ from: 0, to: [1, 2] }] }, t, misses, plain, 'x'),
    /sends before it holds/,
  );
  assert.throws(() => validatePlan({ builders: [7], transfers: [] }, t, misses, plain, 'x'), /not a group/);
  assert.throws(() => validatePlan(null, t, misses, plain, 'x'), /expected \{ builders, transfers \}/);
});

test('strategies resolve by name, object or DIJITSO_STRATEGY; unknown names list the known ones', () => {
  const saved = process.env.DIJITSO_STRATEGY;
  try {
    delete process.env.DIJITSO_STRATEGY;
    assert.equal(resolveStrategy(undefined).name, 'root');
    process.env.DIJITSO_STRATEGY = 'node';
    assert.equal(resolveStrategy(undefined).name, 'node');
    assert.equal(resolveStrategy('process').name, 'process');
    const custom = { name: 'custom-test', plan: nodeStrategy.plan };
    assert.equal(resolveStrategy(custom), custom);
    registerStrategy(custom);
    assert.equal(resolveStrategy('custom-test'), custom);
    assert.throws(
      () => resolveStrategy('fastest'),
      /Unknown strategy "fastest"; known strategies are: root, node, process, custom-test/,
    );
    process.env.DIJITSO_STRATEGY = 'bogus';
    assert.throws(() => resolveStrategy(undefined), /"bogus" \(from DIJITSO_STRATEGY\)/);
    assert.throws(() => resolveStrategy({ name: 'x' } as never), /Expected a function for strategy\.plan/);
  } finally {
    if (saved === undefined) delete process.env.DIJITSO_STRATEGY;
    else process.env.DIJITSO_STRATEGY = saved;
  }
});

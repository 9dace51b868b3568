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
    writable: members.map(() => true),
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

test('node and process build in every group when none holds the binary', () => {
  assert.deepEqual(nodeStrategy.plan(topology(3), [false, false, false], plain), {
    builders: [0, 1, 2],
    transfers: [],
  });
  assert.deepEqual(processStrategy.plan(topology(2), [false, false], plain), {
    builders: [0, 1],
    transfers: [],
  });
  assert.equal(processStrategy.directory!('/c', 5), '/c/rank-5');
});

test('node ships from a group that holds the binary, per CPU class when host-specific', () => {
  assert.deepEqual(nodeStrategy.plan(topology(3), [false, true, false], plain), {
    builders: [],
    transfers: [{ from: 1, to: [0, 2] }],
  });
  const t = topology(4, ['a', 'b', 'a', 'b']);
  assert.deepEqual(nodeStrategy.plan(t, [false, false, true, false], { hostSpecific: true }), {
    builders: [1, 3],
    transfers: [{ from: 2, to: [0] }],
  });
});

test('a strategy with a directory that is not a function is refused', () => {
  assert.throws(
    () => resolveStrategy({ name: 'x', plan: nodeStrategy.plan, directory: '/tmp' } as never),
    /Expected a function or undefined for strategy\.directory/,
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

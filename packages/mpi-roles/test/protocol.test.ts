import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DijitsoError } from '@dijitso/core-cache';
import {
  basicErrorPayload,
  collectiveBuild,
  createFakeWorld,
  discoverTopology,
  type BuildStrategy,
  type CollectiveOutcome,
  type CollectiveSteps,
  nodeStrategy,
  processStrategy,
  rootStrategy,
} from '../src/index.js';
import { entryFrame, tempDir } from './helpers.js';

/** Directories as in-memory sets; counts builds and publishes. */
class Disks {
  held = new Map<string, boolean>();
  builds = 0;
  published = 0;
  readEntries = 0;
  /** Calls of `split` over all ranks. */
  splits = 0;
  /** Directories where another process publishes the entry while this job's builder waits for the lock. */
  publishedElsewhere = new Set<string>();
  /** Set: builds hand their entry over, then wait for this before they end. */
  shipThenWait?: () => Promise<void>;
  /** Set: a builder obtains the entry from the caller's shared tier instead of compiling. */
  sharedHolds = false;
  /** Builders that obtained the entry from the shared tier. */
  sharedReads = 0;
  constructor(readonly failBuild?: string) {}

  steps(dir: string): CollectiveSteps {
    return {
      lookup: async () => this.held.get(dir) ?? false,
      build: async (ship) => {
        if (this.publishedElsewhere.has(dir)) {
          this.held.set(dir, true);
          return 'disk';
        }
        if (this.sharedHolds) {
          this.sharedReads += 1;
          this.held.set(dir, true);
          return 'shared';
        }
        this.builds += 1;
        if (this.failBuild) throw new DijitsoError('JIT_COMPILE_FAILED', this.failBuild);
        if (this.shipThenWait) {
          ship(entryFrame());
          await this.shipThenWait();
        }
        this.held.set(dir, true);
        return 'built';
      },
      readEntry: async () => {
        this.readEntries += 1;
        return entryFrame();
      },
      publish: async () => {
        this.published += 1;
        this.held.set(dir, true);
      },
      serializeError: basicErrorPayload,
      reviveError: (payload) => new DijitsoError(payload.code, payload.message),
    };
  }
}

async function job(
  strategy: BuildStrategy,
  disks: Disks,
  size = 6,
  dirOf = (rank: number) => `node-${rank >> 1}`,
  calls = 1,
) {
  const root = await tempDir();
  const world = createFakeWorld(size);
  const topologies = (
    await Promise.all(world.map((c, r) => discoverTopology(c, join(root, dirOf(r)), { cpu: 'x' })))
  ).map((found) => found.topology);
  // Counts the communicators the protocol splits off.
  const counted = world.map((comm) => ({
    allgather: (data: Buffer) => comm.allgather(data),
    split: (color: number | null, key: number) => {
      disks.splits += 1;
      return comm.split(color, key);
    },
  }));
  let results: PromiseSettledResult<CollectiveOutcome>[] = [];
  // Each further call finds the directories empty again (a new key).
  for (let call = 0; call < calls; call++, disks.held.clear()) {
    results = await Promise.allSettled(
      counted.map((comm, rank) =>
        collectiveBuild(topologies[rank]!, comm, strategy, { hostSpecific: false }, disks.steps(dirOf(rank))),
      ),
    );
  }
  return results;
}

function values(results: PromiseSettledResult<CollectiveOutcome>[]): CollectiveOutcome[] {
  return results.map((r) => {
    assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
    return (r as PromiseFulfilledResult<CollectiveOutcome>).value;
  });
}

test('root: one build, the other groups receive', async () => {
  const disks = new Disks();
  const outcomes = values(await job(rootStrategy, disks));
  assert.equal(disks.builds, 1);
  assert.equal(disks.published, 2);
  assert.deepEqual(
    outcomes.map((o) => o.origin),
    ['built', 'built', 'received', 'received', 'received', 'received'],
  );
  assert.deepEqual(
    outcomes.map((o) => o.role),
    ['builder', 'member', 'receiver', 'member', 'receiver', 'member'],
  );
  assert.ok(outcomes.every((o) => o.builds === 1));
});

test('a builder that finds the entry published by another process under its lock reports disk, not built', async () => {
  const disks = new Disks();
  disks.publishedElsewhere.add('node-0');
  const outcomes = values(await job(rootStrategy, disks));
  assert.equal(disks.builds, 0);
  assert.deepEqual(
    outcomes.map((o) => o.origin),
    ['disk', 'disk', 'received', 'received', 'received', 'received'],
  );
  assert.equal(outcomes[0]!.role, 'builder');
  assert.ok(outcomes.every((o) => o.builds === 0));
});

test('root: a builder that obtains the entry from a shared tier reports shared; it is read once and shipped', async () => {
  const disks = new Disks();
  disks.sharedHolds = true;
  const outcomes = values(await job(rootStrategy, disks));
  assert.equal(disks.builds, 0);
  assert.equal(disks.sharedReads, 1);
  assert.equal(disks.published, 2);
  assert.deepEqual(
    outcomes.map((o) => o.origin),
    ['shared', 'shared', 'received', 'received', 'received', 'received'],
  );
  assert.equal(outcomes[0]!.role, 'builder');
  assert.ok(outcomes.every((o) => o.builds === 0));
});

test('a builder that hands its entry over has it sent before its own publish ends', async () => {
  const disks = new Disks();
  let bothPublished = (): void => undefined;
  const published = new Promise<void>((resolve) => (bothPublished = resolve));
  const original = disks.steps.bind(disks);
  disks.steps = (dir) => {
    const steps = original(dir);
    return {
      ...steps,
      publish: async (frame) => {
        await steps.publish(frame);
        if (disks.published === 2) bothPublished();
      },
    };
  };
  disks.shipThenWait = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the receivers did not publish while the builder did')),
        5000,
      );
    });
    await Promise.race([published, late]).finally(() => clearTimeout(timer));
  };
  const outcomes = values(await job(rootStrategy, disks));
  assert.equal(disks.readEntries, 0);
  assert.deepEqual(
    outcomes.map((o) => o.origin),
    ['built', 'built', 'received', 'received', 'received', 'received'],
  );
});

test('node: one build per group; process: one per rank', async () => {
  const node = new Disks();
  values(await job(nodeStrategy, node));
  assert.equal(node.builds, 3);
  assert.equal(node.published, 0);
  const processes = new Disks();
  values(await job(processStrategy, processes, 6, (rank) => `rank-${rank}`));
  assert.equal(processes.builds, 6);
});

test('a group holding the binary ships it under every strategy: no compile, no hang', async () => {
  for (const [strategy, dirOf] of [
    [rootStrategy, (rank: number) => `node-${rank >> 1}`],
    [nodeStrategy, (rank: number) => `node-${rank >> 1}`],
    [processStrategy, (rank: number) => `rank-${rank >> 1}-${rank & 1}`],
  ] as const) {
    const disks = new Disks();
    disks.held.set(dirOf(2), true);
    const outcomes = values(await job(strategy, disks, 6, dirOf));
    assert.equal(disks.builds, 0, strategy.name);
    assert.equal(outcomes[2]!.origin, 'disk', strategy.name);
    assert.equal(outcomes[2]!.role, 'sender', strategy.name);
    assert.ok(
      outcomes.every(
        (o, rank) => rank === 2 || o.origin === (dirOf(rank) === dirOf(2) ? 'disk' : 'received'),
      ),
      `${strategy.name}: ${outcomes.map((o) => o.origin)}`,
    );
  }
});

test('all groups hit: one allgather, nothing built or sent', async () => {
  const disks = new Disks();
  for (const dir of ['node-0', 'node-1', 'node-2']) disks.held.set(dir, true);
  const outcomes = values(await job(rootStrategy, disks));
  assert.equal(disks.builds + disks.published + disks.splits, 0);
  assert.ok(outcomes.every((o) => o.origin === 'disk' && o.plan === null));
});

test("the leaders' communicator is made by the first call that sends, once", async () => {
  const disks = new Disks();
  values(await job(rootStrategy, disks, 6, (rank) => `node-${rank >> 1}`, 2));
  assert.equal(disks.builds, 2);
  assert.equal(disks.splits, 6);
  // Every group builds its own: nothing is sent, nothing is split.
  const node = new Disks();
  values(await job(nodeStrategy, node));
  assert.equal(node.splits, 0);
});

test('a failed build raises the same error on every rank', async () => {
  for (const strategy of [rootStrategy, nodeStrategy]) {
    const disks = new Disks('b.cpp:3:1: error: nope');
    const results = await job(strategy, disks);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const reason = (result as PromiseRejectedResult).reason as DijitsoError;
      assert.equal(reason.code, 'JIT_COMPILE_FAILED');
      assert.equal(reason.message, 'b.cpp:3:1: error: nope');
    }
  }
});

test('a strategy whose plan is invalid fails on every rank', async () => {
  const lazy: BuildStrategy = { name: 'lazy', plan: () => ({ builders: [], transfers: [] }) };
  const results = await job(lazy, new Disks());
  assert.ok(
    results.every((r) => r.status === 'rejected' && /would end without the library/.test(String(r.reason))),
  );
});

test('a strategy whose plan throws raises a StrategyError naming it on every rank, before any build', async () => {
  const broken: BuildStrategy = {
    name: 'broken',
    plan: () => {
      throw new TypeError('no plan today');
    },
  };
  const disks = new Disks();
  const results = await job(broken, disks);
  assert.equal(disks.builds, 0);
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const reason = (result as PromiseRejectedResult).reason as DijitsoError;
    assert.equal(reason.code, 'STRATEGY_INVALID');
    assert.match(reason.message, /Strategy "broken" failed to make a plan: no plan today/);
    assert.ok(reason.cause instanceof TypeError);
  }
});

test('a group that misses but cannot write its directory fails every rank before any build', async () => {
  const disks = new Disks();
  disks.held.set('node-0', true);
  const root = await tempDir();
  const world = createFakeWorld(4);
  const dirOf = (rank: number) => `node-${rank >> 1}`;
  const found = await Promise.all(
    world.map((c, r) => discoverTopology(c, join(root, dirOf(r)), { cpu: 'x' })),
  );
  // Group 1 (ranks 2 and 3) opened its directory read-only and does not hold the library.
  const topologies = found.map(({ topology }) => ({ ...topology, writable: [true, false] }));
  const results = await Promise.allSettled(
    world.map((comm, rank) =>
      collectiveBuild(
        topologies[rank]!,
        comm,
        rootStrategy,
        { hostSpecific: false },
        disks.steps(dirOf(rank)),
      ),
    ),
  );
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as DijitsoError;
    assert.equal(error.code, 'CACHE_IO');
    assert.match(error.message, /cache directory of rank 2 .* read-only or not writable/);
  }
  assert.equal(disks.builds + disks.published + disks.readEntries, 0);
});

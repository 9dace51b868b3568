import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCache } from '@dijitso/core-cache';
import {
  RendezvousError,
  createFakeWorld,
  discoverTopology,
  leadersCommunicator,
  rendezvousRuns,
  type Communicator,
} from '../src/index.js';
import { fakeJob, tempDir } from './helpers.js';

test('ranks 2k and 2k+1 sharing node-k form three groups; the leaders get a communicator', async () => {
  const { topologies, layouts, world } = await fakeJob(6, (rank) => `node-${rank >> 1}`);
  const [t0, t1, , t3] = topologies;
  assert.deepEqual(t0!.groups, [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.deepEqual(t0!.groupOf, [0, 0, 1, 1, 2, 2]);
  assert.deepEqual(t0!.leaders, [0, 2, 4]);
  assert.equal(t3!.group, 1);
  assert.equal(t3!.isLeader, false);
  assert.equal(t1!.isLeader, false);
  const leaders = await Promise.all(world.map((comm, rank) => leadersCommunicator(topologies[rank]!, comm)));
  assert.deepEqual(
    leaders.map((c) => c && [c.rank, c.size]),
    [[0, 3], null, [1, 3], null, [2, 3], null],
  );
  // Made once per topology.
  assert.equal(await leadersCommunicator(topologies[4]!, world[4]!), leaders[4]);
  for (const layout of layouts) assert.deepEqual(await readdir(layout.commDir), []);
});

test('one shared directory is one group; separate directories are singletons', async () => {
  const shared = await fakeJob(4, () => 'shared');
  assert.deepEqual(shared.topologies[2]!.groups, [[0, 1, 2, 3]]);
  const apart = await fakeJob(3, (rank) => `rank-${rank}`);
  assert.deepEqual(apart.topologies[0]!.groups, [[0], [1], [2]]);
  assert.ok(apart.topologies.every((t) => t.isLeader));
});

test('the rendezvous runs once per communicator and directory', async () => {
  const root = await tempDir();
  const world = createFakeWorld(2);
  const layout = await openCache(root);
  const before = rendezvousRuns();
  const first = await Promise.all(world.map((c) => discoverTopology(c, layout, { cpu: 'x' })));
  const again = await Promise.all(world.map((c) => discoverTopology(c, layout, { cpu: 'x' })));
  assert.equal(rendezvousRuns() - before, 2); // one per rank of this process
  assert.equal(again[0], first[0]);
});

test('CPU fingerprints and hosts are known per group', async () => {
  const { topologies } = await fakeJob(
    4,
    (rank) => `node-${rank >> 1}`,
    (rank) => (rank < 2 ? 'intel' : 'arm'),
  );
  assert.deepEqual(topologies[0]!.cpus, ['intel', 'arm']);
  assert.equal(topologies[0]!.hosts.length, 2);
});

test('views that stay inconsistent are a RendezvousError on every rank, naming the directory', async () => {
  const root = await tempDir();
  const world = createFakeWorld(3);
  const dirs = [join(root, 'a'), join(root, 'a'), join(root, 'b')];
  const layouts = await Promise.all(dirs.map((dir) => openCache(dir)));
  // Rank 1's directory listing shows a probe of rank 2 that is not there (a stale listing cache):
  // after each barrier it plants one, in every attempt.
  const real = world[1]!;
  const seesGhost: Communicator = {
    rank: 1,
    size: 3,
    bcast: (data, root) => real.bcast(data, root),
    allgather: (data) => real.allgather(data),
    split: (color, key) => real.split(color, key),
    barrier: async () => {
      await real.barrier();
      const own = (await readdir(layouts[1]!.commDir)).find((name) => name.endsWith('.1'));
      if (own) await writeFile(join(layouts[1]!.commDir, `${own.slice(0, -2)}.2`), '');
    },
  };
  const comms = [world[0]!, seesGhost, world[2]!];
  const results = await Promise.allSettled(
    comms.map((comm, rank) => discoverTopology(comm, layouts[rank]!, { cpu: 'x', attempts: 2 })),
  );
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as Error;
    assert.ok(error instanceof RendezvousError, String(error));
    assert.equal((error as RendezvousError).code, 'RENDEZVOUS_FAILED');
    assert.match(
      error.message,
      /disagree on who shares the cache directory .* after 2 attempts: rank \d sees/,
    );
  }
});

import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheIOError, openCacheSync } from '@dijitso/core-cache';
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
  const before = rendezvousRuns();
  const first = await Promise.all(world.map((c) => discoverTopology(c, root, { cpu: 'x' })));
  const again = await Promise.all(world.map((c) => discoverTopology(c, root, { cpu: 'x' })));
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

test('one kernel, one inode: one group without a probe file, and only its first rank opens the cache', async () => {
  const root = await tempDir();
  const world = createFakeWorld(4);
  const opened: number[] = [];
  const found = await Promise.all(
    world.map((comm) =>
      discoverTopology(comm, join(root, comm.rank < 2 ? 'a' : 'b'), {
        cpu: 'x',
        open: (dir) => {
          opened.push(comm.rank);
          return openCacheSync(dir);
        },
      }),
    ),
  );
  assert.deepEqual(opened.sort(), [0, 2]);
  assert.deepEqual(found[3]!.topology.groups, [
    [0, 1],
    [2, 3],
  ]);
  // A local file system: nothing was written into comm/.
  for (const dir of ['a', 'b']) assert.deepEqual(await readdir(join(root, dir, 'comm')), []);
});

test('on a network file system the kernels probe by exact name in a fresh folder, and clean up', async () => {
  const root = await tempDir();
  const world = createFakeWorld(3);
  const dirs = [join(root, 'a'), join(root, 'a'), join(root, 'b')];
  const found = await Promise.all(
    world.map((comm) => discoverTopology(comm, dirs[comm.rank]!, { cpu: 'x', kind: () => 'network' })),
  );
  assert.deepEqual(found[0]!.topology.groups, [[0, 1], [2]]);
  for (const dir of ['a', 'b']) assert.deepEqual(await readdir(join(root, dir, 'comm')), []);
});

test('a directory that cannot be opened fails the rendezvous on every rank, naming the rank', async () => {
  const root = await tempDir();
  const world = createFakeWorld(2);
  const results = await Promise.allSettled(
    world.map((comm) =>
      discoverTopology(comm, join(root, `r${comm.rank}`), {
        cpu: 'x',
        open: (dir) => {
          if (comm.rank === 1) throw new CacheIOError(`Cannot create the cache directory ${dir}`);
          return openCacheSync(dir);
        },
      }),
    ),
  );
  assert.equal(results[0]!.status, 'rejected');
  assert.match(
    String((results[0] as PromiseRejectedResult).reason),
    /Cannot create the cache directory .*\(raised on rank 1\)/,
  );
  assert.ok((results[1] as PromiseRejectedResult).reason instanceof CacheIOError);
});

test('views that stay inconsistent are a RendezvousError on every rank, naming the directory', async () => {
  const root = await tempDir();
  const world = createFakeWorld(3);
  const dirs = [join(root, 'a'), join(root, 'a'), join(root, 'b')];
  // Rank 0 finds a probe of rank 2 in its own directory that rank 2 never wrote there (as if the
  // hosts mounted different directories that both had one): planted after each barrier.
  const real = world[0]!;
  const seesGhost: Communicator = {
    rank: 0,
    size: 3,
    bcast: (data, r) => real.bcast(data, r),
    allgather: (data) => real.allgather(data),
    split: (color, key) => real.split(color, key),
    barrier: async () => {
      await real.barrier();
      for (const folder of await readdir(join(dirs[0]!, 'comm'))) {
        await writeFile(join(dirs[0]!, 'comm', folder, '2'), '');
      }
    },
  };
  const comms = [seesGhost, world[1]!, world[2]!];
  const results = await Promise.allSettled(
    comms.map((comm, rank) =>
      discoverTopology(comm, dirs[rank]!, { cpu: 'x', attempts: 2, kind: () => 'network' }),
    ),
  );
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as Error;
    assert.ok(error instanceof RendezvousError, String(error));
    assert.equal((error as RendezvousError).code, 'RENDEZVOUS_FAILED');
    assert.match(
      error.message,
      /disagree on who shares the cache directory .* after 2 rounds of probe files: rank \d sees/,
    );
  }
});

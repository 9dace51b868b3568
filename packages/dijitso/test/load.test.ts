import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { lookupEntry, openCache, type CacheHit } from '@dijitso/core-cache/runtime';
import { createFakeWorld, type Communicator, type Topology } from '@dijitso/mpi-roles';
import { JitLoadError, jit } from '../src/index.js';
import type { ServedEntry } from '../src/collective.js';
import { loadRound } from '../src/load.js';
import { counting, tempDir } from './helpers.js';

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

// One group of `size` ranks whose leader is rank 0.
function oneGroup(size: number, rank: number, dir: string): Topology {
  const ranks = Array.from({ length: size }, (_, r) => r);
  return {
    rank,
    size,
    dir,
    groups: [ranks],
    groupOf: ranks.map(() => 0),
    group: 0,
    leaders: [0],
    isLeader: rank === 0,
    cpus: ['cpu'],
    hosts: ['host'],
    writable: ['host'].map(() => true),
    id: 'test',
  };
}

async function publishedEntry(signature: string): Promise<{ dir: string; hit: CacheHit }> {
  const dir = await tempDir();
  const { key } = await jit({ signature, generate: counting(ADD), params: { cache: { dir } } });
  const hit = await lookupEntry(await openCache(dir), key);
  assert.ok(hit);
  return { dir, hit };
}

async function loadAll(
  world: Communicator[],
  dir: string,
  servedOf: (rank: number) => ServedEntry,
): Promise<PromiseSettledResult<unknown>[]> {
  const layout = await openCache(dir);
  const settled = await Promise.all(
    world.map((comm) =>
      loadRound(comm, [
        {
          topology: oneGroup(world.length, comm.rank, dir),
          layout,
          served: servedOf(comm.rank),
          signature: 'sig',
        },
      ]),
    ),
  );
  return settled.map((results) => results[0]!);
}

test('members that cannot open the name their leader checked load the copy it sends', async () => {
  const { dir, hit } = await publishedEntry('load_copy');
  const world = createFakeWorld(3);
  // Rank 1 sees no file under the leader's name, as a host whose client cache still says "not found".
  const results = await loadAll(world, dir, (rank) =>
    rank === 0
      ? { by: 'own', hit, libPath: hit.libPath }
      : {
          by: 'leader',
          key: hit.key,
          libPath: rank === 1 ? join(dir, 'lib', 'not-visible-here.so') : hit.libPath,
        },
  );
  for (const [rank, result] of results.entries()) {
    assert.equal(
      result.status,
      'fulfilled',
      `rank ${rank}: ${String((result as PromiseRejectedResult).reason)}`,
    );
    const lib = (result as PromiseFulfilledResult<{ func: (s: string) => (a: number, b: number) => number }>)
      .value;
    assert.equal(lib.func('int add(int a, int b)')(2, 3), 5);
  }
});

test('a leader that cannot load fails the call on every rank, naming the rank', async () => {
  const { dir, hit } = await publishedEntry('load_leader');
  const world = createFakeWorld(3);
  const broken = join(dir, 'lib', 'gone.so');
  const results = await loadAll(world, dir, (rank) =>
    rank === 0 ? { by: 'own', hit, libPath: broken } : { by: 'leader', key: hit.key, libPath: hit.libPath },
  );
  for (const [rank, result] of results.entries()) {
    assert.equal(result.status, 'rejected', `rank ${rank}`);
    const error = (result as PromiseRejectedResult).reason as Error;
    assert.ok(error instanceof JitLoadError, String(error));
    assert.match(error.message, /gone\.so/);
    if (rank !== 0) assert.match(error.message, /raised on rank 0/);
  }
});

test('a copy whose bytes no longer match the checked entry is refused on every rank', async () => {
  const { dir, hit } = await publishedEntry('load_changed');
  const world = createFakeWorld(2);
  // The leader's checked meta says another sha256 than the file now holds.
  const lying: CacheHit = { ...hit, meta: { ...hit.meta, sha256: '0'.repeat(64) } };
  const results = await loadAll(world, dir, (rank) =>
    rank === 0
      ? { by: 'own', hit: lying, libPath: hit.libPath }
      : { by: 'leader', key: hit.key, libPath: join(dir, 'lib', 'unseen.so') },
  );
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    assert.match(String((result as PromiseRejectedResult).reason), /changed after it was checked/);
  }
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { sha256Hex, type CacheLayout, type EntryMeta } from '@dijitso/core-cache';
import {
  FRAME_VERSION,
  createFakeWorld,
  discoverTopology,
  type Communicator,
  type EntryFrame,
  type Topology,
} from '../src/index.js';

/** A fresh temporary directory, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dijitso-roles-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Topologies of `size` fake ranks whose cache directory is `dirOf(rank)` under a temp folder. */
export async function fakeJob(
  size: number,
  dirOf: (rank: number) => string,
  cpuOf: (rank: number) => string = () => 'cpu',
): Promise<{ topologies: Topology[]; layouts: CacheLayout[]; world: Communicator[] }> {
  const root = await tempDir();
  const world = createFakeWorld(size);
  const found = await Promise.all(
    world.map((comm, rank) => discoverTopology(comm, join(root, dirOf(rank)), { cpu: cpuOf(rank) })),
  );
  return {
    topologies: found.map((f) => f.topology),
    layouts: found.map((f) => f.layout),
    world,
  };
}

/** A valid entry frame around `lib`. */
export function entryFrame(lib = randomBytes(5000)): EntryFrame {
  const sha256 = sha256Hex(lib);
  const meta: EntryMeta = {
    v: 1,
    signature: 'sig',
    key: 'sig-0123456789ab',
    language: 'c++',
    size: lib.length,
    sha256,
    hasHeader: false,
    build: { compiler: 'c++', compilerVersion: 'g++ 12', args: ['-O2'], hostSpecific: false, cpu: 'x' },
    dependencies: [],
    created: Date.now(),
    compileSeconds: 0.5,
    builtOn: 'host',
    published: { ino: 1, mtimeMs: 2 },
  };
  return {
    v: FRAME_VERSION,
    signature: 'sig',
    key: meta.key,
    meta,
    files: { lib, src: Buffer.from('lz4') },
    sha256,
  };
}

import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CacheLayout, readStats } from '@dijitso/core-cache';
import { createFakeWorld } from '@dijitso/mpi-roles';
import { JitCompileError, JitLoadError, JitTimeoutError, jit, type JitResult } from '../src/index.js';
import { counting, tempDir } from './helpers.js';

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

// Six in-process ranks (a fake communicator), ranks 2k and 2k+1 sharing node-k: the whole
// collective path with real compiles, frames and publishing, without mpirun.
async function sixRanks(
  signature: string,
  strategy: string,
  generate: ReturnType<typeof counting>,
  dirOf: (root: string, rank: number) => string = (root, rank) => join(root, `node-${rank >> 1}`),
): Promise<{ results: PromiseSettledResult<JitResult>[]; root: string }> {
  const root = await tempDir();
  const world = createFakeWorld(6);
  const results = await Promise.allSettled(
    world.map((comm) =>
      jit({ signature, generate, comm, strategy, params: { cache: { dir: dirOf(root, comm.rank) } } }),
    ),
  );
  return { results, root };
}

function fulfilled(results: PromiseSettledResult<JitResult>[]): JitResult[] {
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

test('root strategy: one compile, the binary received and published in the other directories', async () => {
  const generate = counting(ADD);
  const { results, root } = await sixRanks('fake_root', 'root', generate);
  const values = fulfilled(results);
  assert.equal(generate.calls, 1);
  assert.deepEqual(
    values.map((v) => v.origin),
    ['built', 'built', 'received', 'received', 'received', 'received'],
  );
  for (const v of values) assert.equal(v.lib.func('int add(int a, int b)')(20, 22), 42);
  for (const node of ['node-0', 'node-1', 'node-2']) {
    const files = await readdir(join(root, node, 'lib'));
    assert.equal(files.filter((f) => f.endsWith('.so')).length, 1, node);
    assert.equal((await readdir(join(root, node, 'src'))).length, 1);
  }
  assert.ok(values[2]!.receivedBytes! > 1000);
});

test("a group's leader counts the calls of its whole group; the other ranks count nothing", async () => {
  const generate = counting(ADD);
  const { root } = await sixRanks('fake_counted', 'root', generate);
  // A second job on the same directories (a new communicator: no memory hits). Repeated calls
  // cannot be tested here: the fake ranks share one process, and so its table of loaded libraries.
  const world = createFakeWorld(6);
  fulfilled(
    await Promise.allSettled(
      world.map((comm) =>
        jit({
          signature: 'fake_counted',
          generate,
          comm,
          strategy: 'root',
          params: { cache: { dir: join(root, `node-${comm.rank >> 1}`) } },
        }),
      ),
    ),
  );
  for (const node of ['node-0', 'node-1', 'node-2']) {
    const { counters } = await readStats(new CacheLayout(join(root, node)));
    assert.equal(counters.misses, 2, node);
    assert.equal(counters.diskHits, 2, node);
    assert.equal(counters.builds, node === 'node-0' ? 1 : 0, node);
    assert.equal(counters.received, node === 'node-0' ? 0 : 1, node);
  }
});

test('node strategy compiles once per directory', async () => {
  const generate = counting(ADD);
  fulfilled((await sixRanks('fake_node', 'node', generate)).results);
  assert.equal(generate.calls, 3);
});

test('one directory holds the library, the others are empty: no generate call under any strategy', async () => {
  for (const strategy of ['root', 'node', 'process']) {
    const root = await tempDir();
    const dirOf = (rank: number): string =>
      strategy === 'process' ? join(root, 'node') : join(root, `node-${rank >> 1}`);
    // The last directory gets the library from a process without MPI first.
    const holder = strategy === 'process' ? join(root, 'node', 'rank-5') : dirOf(5);
    await jit({
      signature: `fake_divergent_${strategy}`,
      generate: counting(ADD),
      params: { cache: { dir: holder } },
    });
    const generate = counting(ADD);
    const results = await Promise.allSettled(
      createFakeWorld(6).map((comm) =>
        jit({
          signature: `fake_divergent_${strategy}`,
          generate,
          comm,
          strategy,
          params: { cache: { dir: dirOf(comm.rank) } },
        }),
      ),
    );
    const values = fulfilled(results);
    assert.equal(generate.calls, 0, strategy);
    assert.ok(
      values.every((v) => v.builds === 0),
      strategy,
    );
    assert.equal(values[5]!.origin, 'disk', strategy);
    assert.equal(values[0]!.origin, 'received', strategy);
    for (const v of values) assert.equal(v.lib.func('int add(int a, int b)')(20, 22), 42);
  }
});

test("a receiving leader publishes under the key's lock: it waits while another process holds it", async () => {
  const root = await tempDir();
  const dirOf = (rank: number): string => join(root, `node-${rank >> 1}`);
  const signature = 'fake_receive_locked';
  // The last directory holds the library, so the others receive it without any compile.
  await jit({ signature, generate: counting(ADD), params: { cache: { dir: dirOf(5) } } });
  const name = (await readdir(join(dirOf(5), 'lib'))).find((n) => n.endsWith('.so'))!;
  // Another process holds the key's lock in the first directory, beating, until the second
  // directory has received the library and half a second more: the first directory's leader got
  // the same frame at the same time, so by then it is waiting for the lock, or has published.
  const lock = join(dirOf(0), 'locks', `${name.slice(0, -'.so'.length)}.lock`);
  await mkdir(dirOf(0), { mode: 0o700 });
  await mkdir(lock, { recursive: true });
  let beat = 0;
  const beating = setInterval(() => writeFileSync(`${lock}.beat`, String(++beat).padStart(16, '0')), 100);
  const released = (async () => {
    const other = join(dirOf(2), 'lib', name);
    const deadline = Date.now() + 60_000;
    while (!existsSync(other) && Date.now() < deadline) await sleep(20);
    await sleep(500);
    const seen = { otherReceived: existsSync(other), published: existsSync(join(dirOf(0), 'lib', name)) };
    clearInterval(beating);
    rmSync(`${lock}.beat`, { force: true });
    rmSync(lock, { recursive: true });
    return seen;
  })();
  const values = fulfilled(
    await Promise.allSettled(
      createFakeWorld(6).map((comm) =>
        jit({
          signature,
          generate: counting(ADD),
          comm,
          strategy: 'root',
          params: { cache: { dir: dirOf(comm.rank) } },
        }),
      ),
    ),
  );
  assert.deepEqual(await released, { otherReceived: true, published: false });
  assert.deepEqual(
    values.map((v) => v.origin),
    ['received', 'received', 'received', 'received', 'disk', 'disk'],
  );
  for (const v of values) assert.equal(v.lib.func('int add(int a, int b)')(20, 22), 42);
});

test('a compile error on the builder is the same JitCompileError on every rank', async () => {
  const generate = counting('extern "C" int f() { return missing_symbol_x; }\n');
  const { results } = await sixRanks('fake_broken', 'root', generate);
  assert.equal(generate.calls, 1);
  const messages = results.map((r) => {
    assert.equal(r.status, 'rejected');
    const error = (r as PromiseRejectedResult).reason as JitCompileError;
    assert.ok(error instanceof JitCompileError);
    assert.equal(error.diagnostics.find((d) => d.severity === 'error')?.line, 1);
    return error.message;
  });
  assert.ok(messages.every((m) => m === messages[0]));
});

test('a member loads what its leader found; called with other parameters, every rank says so', async () => {
  const root = await tempDir();
  const dir = join(root, 'node-0');
  const call = (comm: ReturnType<typeof createFakeWorld>[number], cxxflags: string[]) =>
    jit({
      signature: 'fake_member',
      generate: counting(ADD),
      comm,
      timeout: 20_000,
      params: { cache: { dir }, build: { cxxflags } },
    });
  fulfilled(await Promise.allSettled(createFakeWorld(2).map((comm) => call(comm, []))));
  // A new communicator: no memory hits, a new rendezvous. Rank 1 (the member) asks for another key:
  // its leader's copy is not what it asked for, and the failure is the whole call's, on both ranks.
  const results = await Promise.allSettled(
    createFakeWorld(2).map((comm) => call(comm, comm.rank === 0 ? [] : ['-O1'])),
  );
  for (const [rank, result] of results.entries()) {
    assert.equal(result.status, 'rejected', `rank ${rank}`);
    const error = (result as PromiseRejectedResult).reason as Error;
    assert.ok(error instanceof JitLoadError, String(error));
    assert.match(
      error.message,
      /asked for fake_member-\w+ but its group's leader loaded .*different parameters/,
    );
    if (rank === 0) assert.match(error.message, /raised on rank 1/);
  }
});

test('a rank that never joins turns into a JitTimeoutError on the waiting ranks, not a hang', async () => {
  const root = await tempDir();
  const world = createFakeWorld(4);
  const started = Date.now();
  const results = await Promise.allSettled(
    world
      .filter((comm) => comm.rank !== 3)
      .map((comm) =>
        jit({
          signature: 'fake_stuck',
          generate: counting(ADD),
          comm,
          timeout: 300,
          params: { cache: { dir: join(root, `node-${comm.rank >> 1}`) } },
        }),
      ),
  );
  assert.ok(Date.now() - started < 5000);
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as JitTimeoutError;
    assert.ok(error instanceof JitTimeoutError, String(error));
    assert.match(error.message, /waited 300 ms in (an allgather|a communicator split)/);
  }
});

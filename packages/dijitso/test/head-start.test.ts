import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFakeWorld } from '@dijitso/mpi-roles';
import { jit, type JitResult } from '../src/index.js';
import { counting, tempDir } from './helpers.js';

const ADD = 'extern "C" int add(int a, int b) { return a + b; }\n';

function fulfilled(results: PromiseSettledResult<JitResult>[]): JitResult[] {
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

test('rank 0 generates and compiles before the other ranks arrive', async () => {
  const root = await tempDir();
  const world = createFakeWorld(4);
  let generated = (): void => undefined;
  const rankZeroGenerated = new Promise<void>((resolve) => (generated = resolve));
  const generate = () => {
    generated();
    return { source: ADD };
  };
  const call = (comm: (typeof world)[number]) =>
    jit({
      signature: 'ahead_root',
      generate,
      comm,
      strategy: 'root',
      timeout: 60_000,
      params: { cache: { dir: join(root, `node-${comm.rank >> 1}`) } },
    });
  // Without a head start rank 0 would wait in the rendezvous for ranks that only come once it has
  // generated: this would time out.
  const first = call(world[0]!);
  await rankZeroGenerated;
  const values = fulfilled(await Promise.allSettled([first, ...world.slice(1).map(call)]));
  assert.deepEqual(
    values.map((v) => v.origin),
    ['built', 'built', 'received', 'received'],
  );
  assert.ok(values.every((v) => v.builds === 1));
});

test('a head start is abandoned when another directory holds the library: its compiler stops, nothing is kept', async () => {
  const root = await tempDir();
  const tools = await tempDir('dijitso-slow-cc-');
  const slow = join(tools, 'slow');
  const pidFile = join(tools, 'pid');
  // Compiles like c++; while the marker file exists it first waits a minute in a child process
  // (detached from the output pipes, so only stopping the whole tree ends it), reporting its pid.
  const compiler = join(tools, 'cxx');
  await writeFile(
    compiler,
    `#!/bin/sh\nif [ -e '${slow}' ] && [ "$1" != --version ]; then\n` +
      `  sleep 60 < /dev/null > /dev/null 2>&1 &\n  echo $! > '${pidFile}.tmp' && mv '${pidFile}.tmp' '${pidFile}'\n  wait\nfi\n` +
      `exec c++ "$@"\n`,
  );
  await chmod(compiler, 0o755);
  const dirOf = (rank: number) => join(root, `node-${rank >> 1}`);
  const call = (comm: ReturnType<typeof createFakeWorld>[number], generate: ReturnType<typeof counting>) =>
    jit({
      signature: 'ahead_abandoned',
      generate,
      comm,
      strategy: 'root',
      timeout: 60_000,
      params: { cache: { dir: dirOf(comm.rank) }, build: { cxx: compiler } },
    });
  // node-1 holds the library already; node-0 (rank 0's) and node-2 do not.
  await jit({
    signature: 'ahead_abandoned',
    generate: counting(ADD),
    params: { cache: { dir: dirOf(2) }, build: { cxx: compiler } },
  });
  await writeFile(slow, '');
  const generate = counting(ADD);
  const world = createFakeWorld(6);
  // The others come once rank 0's compiler runs, so the plan finds it running.
  const first = call(world[0]!, generate);
  for (let waited = 0; !existsSync(pidFile); waited += 10) {
    assert.ok(waited < 30_000, 'rank 0 never started its compiler ahead of the others');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const values = fulfilled(
    await Promise.allSettled([first, ...world.slice(1).map((comm) => call(comm, generate))]),
  );

  assert.deepEqual(
    values.map((v) => v.origin),
    ['received', 'received', 'disk', 'disk', 'received', 'received'],
  );
  assert.ok(values.every((v) => v.builds === 0));
  for (const v of values) assert.equal(v.lib.func('int add(int a, int b)')(1, 2), 3);
  // Rank 0 generated ahead (its directory missed), then stopped the compiler it had started.
  assert.equal(generate.calls, 1);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.equal(running(pid), false, `the abandoned compiler (pid ${pid}) is still running`);
  const node0 = dirOf(0);
  assert.deepEqual(await readdir(join(node0, 'tmp')), []);
  assert.equal(existsSync(join(node0, 'err')) && (await readdir(join(node0, 'err'))).length > 0, false);
  assert.deepEqual(
    (await readdir(join(node0, 'locks'))).filter((name) => name.endsWith('.lock')),
    [],
  );
});

test('rank 0 meets the others only once its compiler runs', async () => {
  const root = await tempDir();
  const tools = await tempDir('dijitso-late-cc-');
  // Compiles like c++, a moment later: still running when rank 0 goes on to the rendezvous.
  const compiler = join(tools, 'cxx');
  await writeFile(compiler, `#!/bin/sh\nif [ "$1" != --version ]; then sleep 0.3; fi\nexec c++ "$@"\n`);
  await chmod(compiler, 0o755);
  const world = createFakeWorld(2);
  const rankZero = world[0]!;
  const allgather = rankZero.allgather.bind(rankZero);
  let compilingAtFirstCollective: boolean | undefined;
  rankZero.allgather = (bytes) => {
    compilingAtFirstCollective ??= childrenRunning(compiler) > 0;
    return allgather(bytes);
  };
  const values = fulfilled(
    await Promise.allSettled(
      world.map((comm) =>
        jit({
          signature: 'ahead_first',
          generate: counting(ADD),
          comm,
          strategy: 'root',
          params: { cache: { dir: join(root, `node-${comm.rank}`) }, build: { cxx: compiler } },
        }),
      ),
    ),
  );
  assert.deepEqual(
    values.map((v) => v.origin),
    ['built', 'received'],
  );
  assert.equal(compilingAtFirstCollective, true);
});

/**
 * Node-1 holds the library, node-0 (rank 0's) does not, and rank 0's generate returns only once
 * the other ranks have their library: if rank 0 waited for its build to start before meeting
 * them, no rank would finish. Returns every rank's result and how often rank 0 generated.
 */
async function slowGenerateOnRankZero(signature: string, timeout: number) {
  const root = await tempDir();
  const dirOf = (rank: number) => join(root, `node-${rank >> 1}`);
  await jit({ signature, generate: counting(ADD), params: { cache: { dir: dirOf(2) } } });
  const world = createFakeWorld(4);
  let othersDone = (): void => undefined;
  const others = new Promise<void>((resolve) => (othersDone = resolve));
  let calls = 0;
  const slowGenerate = async () => {
    calls += 1;
    await others;
    return { source: ADD };
  };
  const call = (comm: (typeof world)[number], generate: () => unknown) =>
    jit({
      signature,
      generate: generate as () => { source: string },
      comm,
      strategy: 'root',
      timeout,
      params: { cache: { dir: dirOf(comm.rank) } },
    });
  const first = call(world[0]!, slowGenerate);
  const rest = await Promise.all(world.slice(1).map((comm) => call(comm, counting(ADD))));
  othersDone();
  return { values: [await first, ...rest], calls };
}

test('a slow generate on rank 0 does not hold the others back when another directory has the library', async () => {
  const { values, calls } = await slowGenerateOnRankZero('ahead_slow', 20_000);
  assert.deepEqual(
    values.map((v) => v.origin),
    ['received', 'received', 'disk', 'disk'],
  );
  assert.equal(calls, 1);
});

test('a head start holds the others back for less than the call’s timeout', async () => {
  // Every wait of the call is bounded by 200 ms, less than a head start's own limit: the others
  // would time out in their first collective if rank 0 kept them waiting that long.
  const { values } = await slowGenerateOnRankZero('ahead_timeout', 200);
  assert.deepEqual(
    values.map((v) => v.origin),
    ['received', 'received', 'disk', 'disk'],
  );
});

test('process: every rank builds ahead in its own directory', async () => {
  const root = await tempDir();
  const generate = counting(ADD);
  const values = fulfilled(
    await Promise.allSettled(
      createFakeWorld(3).map((comm) =>
        jit({
          signature: 'ahead_process',
          generate,
          comm,
          strategy: 'process',
          params: { cache: { dir: root } },
        }),
      ),
    ),
  );
  assert.equal(generate.calls, 3);
  assert.deepEqual(
    values.map((v) => v.origin),
    ['built', 'built', 'built'],
  );
});

/** How many child processes of this process run `command` (as the script their shell runs). */
function childrenRunning(command: string): number {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || stat(Number(name))?.parent !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').includes(command)) count += 1;
    } catch {
      // It ended while we looked.
    }
  }
  return count;
}

/** True while `pid` runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  const state = stat(pid)?.state;
  return state !== undefined && state !== 'Z';
}

/** State and parent of `pid` from /proc/<pid>/stat; undefined once it is gone. */
function stat(pid: number): { state: string; parent: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name, in parentheses, may hold spaces: the fields start after the last ')'.
    const [state, parent] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, parent: Number(parent) };
  } catch {
    return undefined;
  }
}

// Many collective jit() calls in flight at once, under mpirun with 6 ranks (ranks 2k and 2k+1
// share node-k): the calls every rank has issued are decided in rounds.
//   cold     8 signatures at once: each generated exactly once, the builds spread over the three
//            groups, every rank's libraries correct
//   failing  8 at once, one of them a compile error: that call raises JitCompileError on every
//            rank, the other 7 succeed
//   warm     32 warm signatures at once: none generated, every rank correct
//   uneven   ranks issue the same 4 calls, some all at once, some one after another
//   overtake a call started while another compiles for 3 s is agreed and generated meanwhile
// Rank 0 prints "jit-many: N passed, M failed".
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JitCompileError, jit } from 'dijitso';
import { world } from 'mpi-napi';

const comm = world();
const { rank, size } = comm;
if (size !== 6) throw new Error(`run with 6 ranks, not ${size}`);
const root = (
  await comm.bcast(rank === 0 ? Buffer.from(join(tmpdir(), `dijitso-many-${process.pid}`)) : null, 0)
).toString();
if (rank === 0) mkdirSync(root, { recursive: true, mode: 0o700 });
await comm.barrier();

const source = (i) => `extern "C" int add(int a, int b) { return a + b + ${i} - ${i}; }\n`;
const BROKEN = 'extern "C" int add(int a, int b) { return a + b + missing_symbol; }\n';

function request(name, i, text = source(i)) {
  return {
    signature: `${name}_${i}`,
    generate: () => {
      appendFileSync(join(root, `${name}.calls`), `${i} ${rank}\n`);
      return { source: text };
    },
    params: { cache: { dir: join(root, name, `node-${rank >> 1}`) } },
    comm,
    timeout: 120_000,
  };
}

async function generated(name) {
  await comm.barrier();
  try {
    return readFileSync(join(root, `${name}.calls`), 'utf8')
      .trim()
      .split('\n');
  } catch {
    return [];
  }
}

const works = (result) => assert.equal(result.lib.func('int add(int a, int b)')(2, 3), 5);

const scenarios = {
  async cold() {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => jit(request('cold', i))));
    results.forEach(works);
    const calls = await generated('cold');
    assert.equal(calls.length, 8, `generate calls: ${calls}`);
    assert.equal(new Set(calls.map((line) => line.split(' ')[0])).size, 8);
    // The builders went round the groups: every group's leader generated some.
    const builders = new Set(calls.map((line) => line.split(' ')[1]));
    assert.deepEqual([...builders].sort(), ['0', '2', '4']);
  },
  async failing() {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => jit(request('failing', i, i === 5 ? BROKEN : source(i)))),
    );
    results.forEach((result, i) => {
      if (i === 5) {
        assert.equal(result.status, 'rejected');
        assert.ok(result.reason instanceof JitCompileError, String(result.reason));
        assert.match(result.reason.message, /missing_symbol/);
      } else {
        assert.equal(result.status, 'fulfilled', String(result.reason));
        works(result.value);
      }
    });
  },
  async warm() {
    // Built by this process first, one by one, into a fresh directory; then 32 at once on a new
    // communicator (no memory hits): every group hits on disk.
    for (let i = 0; i < 32; i++) await jit(request('warm', i));
    const before = (await generated('warm')).length;
    const other = await comm.split(0, rank);
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => jit({ ...request('warm', i), comm: other })),
    );
    results.forEach(works);
    assert.ok(
      results.every((r) => r.origin === 'disk'),
      results.map((r) => r.origin).join(),
    );
    assert.equal((await generated('warm')).length, before);
  },
  async uneven() {
    const calls = [0, 1, 2, 3].map((i) => request('uneven', i));
    const results =
      rank % 3 === 0
        ? await Promise.all(calls.map((call) => jit(call)))
        : [
            await jit(calls[0]),
            await jit(calls[1]),
            ...(await Promise.all(calls.slice(2).map((c) => jit(c)))),
          ];
    results.forEach(works);
    assert.equal((await generated('uneven')).length, 4);
  },
  async overtake() {
    // Rank 0 builds call 0 with a compiler that waits 3 s first; call 1, started meanwhile, is
    // agreed and generated (by the next group, its turn) before that compiler is done.
    const slowCxx = join(root, 'slow-c++');
    const slowDone = join(root, 'slow-done');
    if (rank === 0) {
      writeFileSync(slowCxx, `#!/bin/sh\nsleep 3\ndate +%s%3N > '${slowDone}'\nexec c++ "$@"\n`);
      chmodSync(slowCxx, 0o755);
    }
    await comm.barrier();
    const dir = join(root, 'overtake', `node-${rank >> 1}`);
    const slow = jit({ ...request('overtake', 0), params: { cache: { dir }, build: { cxx: slowCxx } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    let generatedAt = 0;
    const quick = jit({
      ...request('overtake', 1),
      generate: () => {
        generatedAt = Date.now();
        return { source: source(1) };
      },
    });
    works(await slow);
    works(await quick);
    const generated = Math.max(...(await comm.allgather(Buffer.from(String(generatedAt)))).map(Number));
    const compiled = Number(readFileSync(slowDone, 'utf8'));
    assert.ok(
      generated > 0 && generated < compiled,
      `call 1 generated at ${generated}, call 0 compiled at ${compiled}`,
    );
  },
};

let passed = 0;
let failed = 0;
for (const [name, scenario] of Object.entries(scenarios)) {
  let error = null;
  try {
    await scenario();
  } catch (e) {
    error = e;
  }
  const failures = (await comm.allgather(Buffer.from(error ? `rank ${rank}: ${error.stack ?? error}` : '')))
    .map(String)
    .filter(Boolean);
  if (failures.length === 0) passed += 1;
  else failed += 1;
  if (rank === 0) {
    console.log(`${failures.length === 0 ? 'ok' : 'not ok'} - many: ${name}`);
    for (const failure of failures) console.log(`  ${failure.split('\n').join('\n  ')}`);
  }
}
await comm.barrier();
if (rank === 0) {
  rmSync(root, { recursive: true, force: true });
  console.log(`jit-many: ${passed} passed, ${failed} failed`);
}
process.exitCode = failed > 0 ? 1 : 0;

// 8 ranks on 4 node directories start 6 collective jit() calls at once, twice (cold, then warm):
// each signature is generated once in the job, every rank gets every library, nobody hangs.
// Usage: mpirun -np 8 node test-mpi/jit/stress.mjs
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const comm = world();
const root = (
  await comm.bcast(comm.rank === 0 ? Buffer.from(join(tmpdir(), `dijitso-stress-${process.pid}`)) : null, 0)
).toString();
if (comm.rank === 0) mkdirSync(root, { recursive: true, mode: 0o700 });
await comm.barrier();
const dir = join(root, `node-${comm.rank >> 1}`);
const signatures = Array.from({ length: 6 }, (_, i) => `stress_${i}`);

function call(signature, index) {
  return jit({
    signature,
    generate: () => {
      appendFileSync(join(root, `${signature}.calls`), `${comm.rank}\n`);
      return { source: `extern "C" int value() { return ${index * 11}; }\n` };
    },
    params: { cache: { dir } },
    comm,
    timeout: 120_000,
  });
}

let error = '';
try {
  for (const round of ['cold', 'warm']) {
    const results = await Promise.all(signatures.map(call));
    results.forEach((r, i) =>
      assert.equal(r.lib.func('int value(void)')(), i * 11, `${round} ${signatures[i]}`),
    );
  }
  await comm.barrier();
  for (const signature of signatures) {
    const calls = readFileSync(join(root, `${signature}.calls`), 'utf8')
      .trim()
      .split('\n').length;
    assert.equal(calls, 1, `${signature} generated ${calls} times`);
  }
} catch (e) {
  error = `rank ${comm.rank}: ${e.stack ?? e}`;
}
const errors = (await comm.allgather(Buffer.from(error))).map(String).filter(Boolean);
if (comm.rank === 0) {
  rmSync(root, { recursive: true, force: true });
  console.log(
    errors.length
      ? `not ok - stress\n${errors.join('\n')}`
      : 'ok - stress: 8 ranks, 6 signatures in flight, each generated once',
  );
}
process.exitCode = errors.length ? 1 : 0;

// Argument validation, MpiError, binding selection and exit behaviour.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ANY_SOURCE, ANY_TAG, init, isAvailable, MpiError, world } from '../src/index.js';

const run = promisify(execFile);
const skip = isAvailable() ? false : 'the mpi-napi addon is not built (no MPI installed)';
const indexUrl = new URL('../src/index.js', import.meta.url).href;

test('MpiError carries a stable code, a name and the MPI error class', () => {
  const error = new MpiError('MPI_Bcast failed: boom', { mpiErrorClass: 5, mpiFunction: 'MPI_Bcast' });
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'MPI_ERROR');
  assert.equal(error.name, 'MpiError');
  assert.equal(error.mpiErrorClass, 5);
  assert.equal(error.mpiFunction, 'MPI_Bcast');
  assert.equal(new MpiError('not from MPI').mpiErrorClass, -1);
});

test('wrong arguments are TypeError or RangeError with the expected message', { skip }, () => {
  const comm = world();
  assert.throws(() => comm.bcast(Buffer.alloc(1), 1), {
    name: 'RangeError',
    message: 'Expected an integer in [0, 0] for root but received 1',
  });
  assert.throws(() => comm.bcast('text' as unknown as Buffer, 0), {
    name: 'TypeError',
    message: 'Expected a Buffer for buf on the root but received the string "text"',
  });
  assert.throws(() => comm.gatherSync(Buffer.alloc(1), 2), { name: 'RangeError' });
  assert.throws(() => comm.allreduce(1, 'avg' as 'sum'), {
    name: 'TypeError',
    message: "Expected one of 'sum', 'prod', 'min', 'max' for op but received the string \"avg\"",
  });
  assert.throws(() => comm.allreduce(new Float64Array(2), 'band'), {
    name: 'TypeError',
    message:
      "Expected one of 'sum', 'prod', 'min', 'max' for op on a Float64Array but received the string \"band\"",
  });
  assert.throws(() => comm.reduce(new Int16Array(2) as unknown as Int32Array, 'sum', 0), {
    name: 'TypeError',
    message:
      'Expected a number or a typed array (Float64Array, Float32Array, Int32Array, Uint32Array, BigInt64Array) for value but received a value of type object',
  });
  assert.throws(() => comm.reduceSync(1, 'sum', 1), {
    name: 'RangeError',
    message: /for root but received 1$/,
  });
  assert.throws(() => comm.allreduceSync('1' as unknown as number, 'sum'), { name: 'TypeError' });
  assert.throws(() => comm.splitSync(1.5, 0), {
    name: 'TypeError',
    message: 'Expected an integer for color but received 1.5',
  });
  assert.throws(() => comm.split(0, 2 ** 31), { name: 'RangeError' });
  assert.throws(() => init({ thread: 'many' as 'multiple' }), { name: 'TypeError' });
});

test('point-to-point arguments are checked: ranks, tags up to MPI_TAG_UB, buffers', { skip }, async () => {
  const comm = world();
  assert.throws(() => comm.send(Buffer.alloc(1), 1), {
    name: 'RangeError',
    message: 'Expected an integer in [0, 0] for dest but received 1',
  });
  assert.throws(() => comm.send(Buffer.alloc(1), 0, -1), {
    name: 'RangeError',
    message: /for tag but received -1$/,
  });
  assert.throws(() => comm.sendSync(Buffer.alloc(1), 0, 2 ** 40), { name: 'RangeError', message: /for tag/ });
  assert.throws(() => comm.send('text' as unknown as Buffer, 0), {
    name: 'TypeError',
    message: 'Expected a Buffer for buf but received the string "text"',
  });
  assert.throws(() => comm.recv(2), { name: 'RangeError', message: /for source but received 2$/ });
  assert.throws(() => comm.probe(ANY_SOURCE, -2), {
    name: 'RangeError',
    message: /for tag but received -2$/,
  });
  assert.throws(() => comm.recvSync(0, 0, { into: [] as unknown as Buffer }), {
    name: 'TypeError',
    message: 'Expected a Buffer for options.into but received an array',
  });
  // The largest tag MPI accepts is valid.
  const tagUpperBound = Number(
    /\[0, (\d+)\]/.exec(String(catchError(() => comm.send(Buffer.alloc(0), 0, -1))))?.[1],
  );
  assert.ok(tagUpperBound >= 32767, `MPI_TAG_UB ${tagUpperBound}`);
  await comm.send(Buffer.from('top'), 0, tagUpperBound);
  assert.equal((await comm.recv(0, ANY_TAG)).tag, tagUpperBound);
});

test('scatter, alltoall and splitType arguments are checked before MPI is called', { skip }, () => {
  const comm = world();
  assert.throws(() => comm.scatter([Buffer.alloc(1)], 1), {
    name: 'RangeError',
    message: 'Expected an integer in [0, 0] for root but received 1',
  });
  assert.throws(() => comm.scatter(null, 0), {
    name: 'TypeError',
    message: 'Expected an array of 1 Buffers (one per rank) for bufs on the root but received null',
  });
  assert.throws(() => comm.scatterSync([Buffer.alloc(1), Buffer.alloc(1)], 0), {
    name: 'RangeError',
    message: 'Expected an array of 1 Buffers (one per rank) for bufs on the root but received an array of 2',
  });
  assert.throws(() => comm.scatter(['x'] as unknown as Buffer[], 0), {
    name: 'TypeError',
    message: 'Expected a Buffer for bufs[0] but received the string "x"',
  });
  assert.throws(() => comm.alltoall(Buffer.alloc(1) as unknown as Buffer[]), {
    name: 'TypeError',
    message: 'Expected an array of 1 Buffers (one per rank) for bufs but received a Buffer of 1 bytes',
  });
  assert.throws(() => comm.alltoallSync([]), {
    name: 'RangeError',
    message: 'Expected an array of 1 Buffers (one per rank) for bufs but received an array of 0',
  });
  assert.throws(() => comm.splitType('numa' as 'shared'), {
    name: 'TypeError',
    message: `Expected one of 'shared' for type but received the string "numa"`,
  });
  assert.throws(() => comm.splitTypeSync('shared', 2 ** 31), {
    name: 'RangeError',
    message: 'Expected an integer in [-2147483648, 2147483647] for key but received 2147483648',
  });
});

test('a sync receive that could overtake a pending async one throws', { skip }, async () => {
  const comm = world();
  const pending = comm.recv(0, 7);
  assert.throws(() => comm.recvSync(ANY_SOURCE, 7), {
    name: 'MpiError',
    message: /an async recv that could match/,
  });
  assert.throws(() => comm.recvSync(0, ANY_TAG), { name: 'MpiError' });
  // A blocking send to self may wait for its receive (it does on MPICH): this one is async.
  const sent = comm.send(Buffer.from('other tag'), 0, 8);
  assert.equal(comm.recvSync(0, 8).data.toString(), 'other tag');
  await sent;
  await comm.send(Buffer.from('seven'), 0, 7);
  assert.equal((await pending).data.toString(), 'seven');
});

function catchError(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  return undefined;
}

test('a missing addon makes the API throw MpiError with install instructions', async () => {
  const script = `import(${JSON.stringify(indexUrl)}).then((m) => {
    if (m.isAvailable()) process.exit(3);
    try { m.world(); } catch (error) { console.log(error.name + ': ' + error.message); }
  });`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { ...process.env, MPI_NAPI_BINDING: '/nonexistent/mpi_napi.node' },
  });
  assert.match(stdout, /^MpiError: mpi-napi: the native binding is not built/);
  assert.match(stdout, /apt-get install openmpi-bin libopenmpi-dev/);
});

test('MPI_NAPI_BINDING rejects values that are neither a build name nor a .node path', async () => {
  const script = `import(${JSON.stringify(indexUrl)}).then((m) => {
    try { m.world(); } catch (error) { console.log(error.name); }
  });`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { ...process.env, MPI_NAPI_BINDING: '../evil path' },
  });
  assert.equal(stdout.trim(), 'TypeError');
});

test('the waiting settings are checked before MPI starts', { skip }, async () => {
  const script = `import(${JSON.stringify(indexUrl)}).then((m) => {
    try { m.world(); } catch (error) { console.log(error.name + ': ' + error.message); }
  });`;
  for (const [name, value] of [
    ['MPI_NAPI_SPIN_US', '1.5'],
    ['MPI_NAPI_BACKOFF_US', '-1'],
  ] as const) {
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: { ...process.env, [name]: value },
    });
    assert.equal(
      stdout.trim(),
      `RangeError: Expected an integer in [0, 1000000] for ${name} but received "${value}"`,
    );
  }
});

test('a process that used MPI is finalized at exit without calling finalize', { skip }, async () => {
  // This exit listener runs after the one mpi-napi registered at init.
  const script = `import(${JSON.stringify(indexUrl)}).then(async (m) => {
    await m.world().barrier();
    process.on('exit', () => console.log('finalized at exit: ' + m.finalized()));
  });`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
  assert.equal(stdout.trim(), 'finalized at exit: true');
});

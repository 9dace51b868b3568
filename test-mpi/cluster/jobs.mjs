// One job of the shared-cache scenarios that need several jobs, run through test-mpi/cluster/run.sh
// on one --shared-dir (scripts/test-cluster.sh drives them):
//   node jobs.mjs listed SIGNATURE   while a process on every host lists the cache without pause,
//                                    every rank jits SIGNATURE into $SHARED/cache
//   node jobs.mjs slow SIGNATURE S   every rank jits SIGNATURE into $SHARED/cache with a compiler
//                                    that takes S more seconds (S = 0: a plain compile)
// Each generate call appends a line to $SHARED/SIGNATURE.calls, so the driver can count builds.
// Every rank checks its library; rank 0 prints one line: "jobs: <mode> <signature> <origins>".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const [mode, signature, seconds = '0'] = process.argv.slice(2);
if (!['listed', 'slow'].includes(mode) || !signature || !/^\d+$/.test(seconds)) {
  throw new Error('usage: jobs.mjs listed SIGNATURE | jobs.mjs slow SIGNATURE SECONDS');
}
const { SHARED } = process.env;
if (!SHARED) throw new Error('SHARED must be set (run through test-mpi/cluster/run.sh)');
const comm = world();
const dir = join(SHARED, 'cache');
const SOURCE = 'extern "C" int mul(int a, int b) { return a * b; }\n';

// The first rank of each host runs the lister or makes the slow compiler (in its own host's /tmp).
const names = (await comm.allgather(Buffer.from(hostname()))).map(String);
const firstOnHost = names.indexOf(hostname()) === comm.rank;
let lister;
if (mode === 'listed' && firstOnHost) {
  lister = spawn('sh', ['-c', 'while :; do ls -laR "$0" >/dev/null 2>&1; done', dir], { stdio: 'ignore' });
}
const build = {};
if (mode === 'slow' && Number(seconds) > 0) {
  const wrapper = join('/tmp', `dijitso-slow-cxx-${seconds}`);
  // Made once and never rewritten: the key covers the compiler file's mtime, and two jobs at once
  // must agree on it.
  if (firstOnHost) {
    try {
      writeFileSync(wrapper, `#!/bin/sh\nsleep ${seconds}\nexec c++ "$@"\n`, { flag: 'wx', mode: 0o755 });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
  build.cxx = wrapper;
}
await comm.barrier();

try {
  const result = await jit({
    signature,
    generate: () => {
      appendFileSync(join(SHARED, `${signature}.calls`), `${comm.rank} ${hostname()} ${process.pid}\n`);
      return { source: SOURCE };
    },
    params: { cache: { dir }, build },
    comm,
    strategy: 'root',
  });
  assert.equal(result.lib.func('int mul(int a, int b)')(6, 7), 42);
  const origins = (await comm.allgather(Buffer.from(result.origin))).map(String);
  if (comm.rank === 0) console.log(`jobs: ${mode} ${signature} ${origins.join(',')}`);
} finally {
  lister?.kill();
}

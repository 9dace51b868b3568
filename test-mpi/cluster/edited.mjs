// A library edited in place on one host is not loaded as good on another, whatever that host's
// client caches say. Run through test-mpi/cluster/run.sh on --shared-fs sshfs, one job:
//   1. every rank jits `cluster_edited` into $SHARED/edited (one compile for the job);
//   2. the last rank (another host than rank 0) overwrites bytes in the middle of the .so in place
//      and puts its times back: same inode, same size, same mtime, other bytes;
//   3. every rank jits it again on a new communicator (no memory hit, a new rendezvous): the
//      leader's first lookup of the file in its process hashes it, finds the sha256 wrong, and the
//      entry is quarantined and built again.
// Rank 0 prints "edited: ok".
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, statSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const { SHARED } = process.env;
if (!SHARED) throw new Error('SHARED must be set (run through test-mpi/cluster/run.sh)');
const comm = world();
const dir = join(SHARED, 'edited');
const SOURCE = 'extern "C" int mul(int a, int b) { return a * b; }\n';
const jitOn = async (on) => {
  const result = await jit({
    signature: 'cluster_edited',
    generate: () => ({ source: SOURCE }),
    params: { cache: { dir } },
    comm: on,
  });
  assert.equal(result.lib.func('int mul(int a, int b)')(6, 7), 42);
  return (await comm.allgather(Buffer.from(result.origin))).map(String);
};

const first = await jitOn(comm);
assert.equal(first[0], 'built', `first call: origins ${first}`);

if (comm.rank === comm.size - 1) {
  const name = readdirSync(join(dir, 'lib')).find(
    (n) => n.startsWith('cluster_edited-') && n.endsWith('.so'),
  );
  assert.ok(name, `no library under ${dir}/lib`);
  const path = join(dir, 'lib', name);
  const { size, ino, atimeMs, mtimeMs } = statSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xcc), 0, 64, Math.floor(size / 2));
  closeSync(fd);
  // The times put back, as a copy that keeps them would: only the bytes tell.
  utimesSync(path, atimeMs / 1000, mtimeMs / 1000);
  assert.equal(statSync(path).ino, ino);
}
await comm.barrier();

const again = await jitOn(await comm.split(0, comm.rank));
assert.equal(again[0], 'built', `the edited library was loaded as good: origins ${again}`);
const quarantined = readdirSync(join(dir, 'err')).filter((n) => n.includes('.corrupt-'));
assert.equal(quarantined.length, 1, `quarantined: ${quarantined}`);
if (comm.rank === 0) console.log('edited: ok');

// A minimal harness for tests launched by mpirun: every rank runs the same checks, prints
// failures with its rank, and exits non-zero if any failed (scripts/test-mpi.sh counts runs).
import { world } from 'mpi-napi';

const failures = [];
let passed = 0;
// Captured at the first check, so reporting still works after a test finalized MPI.
let where;

/** Runs one named check; a thrown error or rejected promise is a failure on this rank. */
export async function check(name, body) {
  where ??= { rank: world().rank, size: world().size };
  try {
    await body();
    passed += 1;
  } catch (error) {
    failures.push(name);
    console.error(`[rank ${where.rank}/${where.size}] FAIL ${name}: ${error?.stack ?? error}`);
  }
}

/** Ends the test file: exit code 1 when any check failed on this rank. */
export function finish(file) {
  if (where?.rank === 0 && failures.length === 0)
    console.log(`ok ${file} (np ${where.size}): ${passed} checks`);
  if (failures.length > 0) process.exitCode = 1;
}

/** A Buffer of length bytes whose content depends on seed, for content checks. */
export function pattern(length, seed) {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i += 1) buf[i] = (i * 31 + seed * 7) & 0xff;
  return buf;
}

// One rank is killed (SIGKILL) while the others wait in a collective jit(): the launcher must end
// the job (MPI abort semantics) instead of leaving the survivors hanging. Run by
// scripts/test-mpi-jit.sh, which expects a non-zero exit within a bound.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jit } from 'dijitso';
import { world } from 'mpi-napi';

const comm = world();
const dir = join(tmpdir(), `dijitso-rank-dies-${process.ppid}`, `node-${comm.rank >> 1}`);
if (comm.rank === comm.size - 1) {
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);
} else {
  await jit({
    signature: 'rank_dies',
    generate: () => ({ source: 'extern "C" int one() { return 1; }\n' }),
    params: { cache: { dir } },
    comm,
  });
}

// Prints MPI compiler or linker flags for binding.gyp, asking the MPI compiler wrapper
// ($MPICC, else mpicc). Open MPI answers --showme:compile/--showme:link; MPICH answers
// -compile_info/-link_info with the compiler name first and compile and link flags mixed.
// Usage: node scripts/mpi-flags.mjs cflags|libs
import { execFileSync } from 'node:child_process';

const wrapper = process.env.MPICC || 'mpicc';

function ask(args) {
  try {
    return execFileSync(wrapper, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function wrapperFlags(kind) {
  const openMpi = ask([kind === 'cflags' ? '--showme:compile' : '--showme:link']);
  if (openMpi !== null) return openMpi.split(/\s+/).filter(Boolean);
  const mpich = ask([kind === 'cflags' ? '-compile_info' : '-link_info']);
  if (mpich !== null) return mpich.split(/\s+/).filter(Boolean).slice(1);
  throw new Error(
    `Expected an MPI compiler wrapper for ${wrapper} but it did not answer --showme or -compile_info`,
  );
}

const isCompileFlag = (flag) => /^-(I|D|pthread$|f|m|std=)/.test(flag);
const isLinkFlag = (flag) => /^-(L|l|Wl,|pthread$)/.test(flag);

const kind = process.argv[2];
if (kind !== 'cflags' && kind !== 'libs') {
  console.error(`Expected cflags or libs for the flag kind but received ${String(kind)}`);
  process.exit(2);
}
const flags = wrapperFlags(kind).filter(kind === 'cflags' ? isCompileFlag : isLinkFlag);
if (kind === 'libs') {
  // An MPI outside the loader's default paths must still be found at run time.
  const systemDirs = new Set(['/usr/lib', '/usr/lib64', '/lib', '/usr/lib/x86_64-linux-gnu']);
  for (const flag of flags.filter((f) => f.startsWith('-L'))) {
    if (!systemDirs.has(flag.slice(2))) flags.push(`-Wl,-rpath,${flag.slice(2)}`);
  }
}
console.log(flags.join(' '));

// Builds the addon with node-gyp, or skips the build with a one-line warning when no MPI compiler
// wrapper is found, so installing the workspace never fails because MPI is missing. With MPI
// present a failed build fails the install: a package that installs but cannot load hides the cause.
// Usage: node scripts/install.mjs [--mpicc <wrapper>] [--out <dir>]
//   --mpicc  the MPI compiler wrapper (default: $MPICC, else mpicc)
//   --out    build in <dir> (e.g. build-mpich) instead of ./build, for a second MPI side by side
// MPI_NAPI_OPTIONAL=1 turns a failed build into a warning (the install then succeeds without the addon).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { mpicc: { type: 'string' }, out: { type: 'string' } } });
const wrapper = values.mpicc ?? process.env.MPICC ?? 'mpicc';

function onPath(command) {
  if (isAbsolute(command)) return existsSync(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// npm hands lifecycle scripts its bundled node-gyp; outside npm look for an installed one.
function findNodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules');
    return join(bundled, 'node-gyp', 'bin', 'node-gyp.js');
  }
}

// A second build directory mirrors the package through symlinks, so node-gyp's fixed ./build
// lands inside it and the default build stays untouched.
function stage(outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const entry of ['binding.gyp', 'src', 'scripts']) {
    const link = join(outDir, entry);
    rmSync(link, { force: true, recursive: false });
    symlinkSync(join(packageDir, entry), link);
  }
  return outDir;
}

if (!onPath(wrapper)) {
  console.warn(
    `mpi-napi: no MPI compiler wrapper (${wrapper}) found, native build skipped; install MPI (apt-get install openmpi-bin libopenmpi-dev) and run npm rebuild mpi-napi`,
  );
  process.exit(0);
}

// Build against the headers of the running Node when they are installed beside it (no download).
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

const buildDir = values.out ? stage(resolve(packageDir, values.out)) : packageDir;
const args = [findNodeGyp(), 'rebuild', '--directory', buildDir, ...nodeDirArgs()];
const result = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, MPICC: wrapper },
});
if (result.status !== 0) {
  const where = values.out ? resolve(packageDir, values.out) : packageDir;
  if (process.env.MPI_NAPI_OPTIONAL === '1') {
    console.warn(
      `mpi-napi: native build with ${wrapper} in ${where} failed (MPI_NAPI_OPTIONAL=1: install goes on); using mpi-napi will throw MpiError until it builds`,
    );
    process.exit(0);
  }
  console.error(
    `mpi-napi: native build with ${wrapper} in ${where} failed (node-gyp's output is above); fix the toolchain and run npm rebuild mpi-napi, or set MPI_NAPI_OPTIONAL=1 to install without the addon`,
  );
  process.exit(1);
}

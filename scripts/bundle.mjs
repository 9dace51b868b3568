// Bundles each workspace package's compiled entry points (dist/src, from tsc) into dist/bundle,
// which is what the package's "exports" serve. A program that imports dijitso then loads a
// handful of files instead of about fifty ES modules: at 8 ranks on 2 cores every rank pays its
// module loading on a shared CPU, at the very start of the job.
//
// One bundle per package, never across packages: every package keeps a single copy of its module
// state and error classes, whichever package reaches it. Entries of one package share chunks
// (code splitting) for the same reason, and dynamic imports stay lazy chunks.
//
// Usage: node scripts/bundle.mjs (run by `npm run build`, after `tsc -b`).
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');
const BUNDLE = /^\.\/dist\/bundle\/([\w-]+)\.js$/;

// Dependencies bundled into a package instead of imported, by package name. proper-lockfile and
// its dependencies take 13 ms to load on every cold build, 10 of them in graceful-fs, which
// patches fs for EMFILE retries of open, readdir and the like; proper-lockfile only calls mkdir,
// stat, utimes and rmdir (realpath is off), so node's own fs serves it the same. Its signal-exit
// loads node:assert for one assert.equal, which scripts/shims/assert.cjs serves: with node:assert
// the bundled chunk took 11-14 ms to import, most of it assert's own modules and a stderr stream.
const INLINE = {
  '@dijitso/core-cache': {
    packages: ['proper-lockfile'],
    alias: { 'graceful-fs': 'node:fs', assert: join(root, 'scripts', 'shims', 'assert.cjs') },
  },
};
// CommonJS code bundled into an ES module calls require() for node's modules.
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/** The entry points of one package: every export whose target is ./dist/bundle/NAME.js. */
function entriesOf(packageDir, manifest) {
  const targets = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const file = typeof target === 'string' ? target : target.default;
    const match = BUNDLE.exec(file ?? '');
    if (match === null) continue;
    const entry = join(packageDir, 'dist', 'src', `${match[1]}.js`);
    try {
      statSync(entry);
    } catch {
      throw new Error(
        `bundle: ${manifest.name} exports "${subpath}" from ${file}, but ${entry} does not exist; run tsc -b first`,
      );
    }
    targets.push(entry);
  }
  return targets;
}

let bundled = 0;
for (const name of readdirSync(packagesDir).sort()) {
  const packageDir = join(packagesDir, name);
  const manifestPath = join(packageDir, 'package.json');
  let text;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') continue;
    throw error;
  }
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new Error(`bundle: ${manifestPath} is not valid JSON (${error.message}); fix it and build again`);
  }
  const entryPoints = entriesOf(packageDir, manifest);
  if (entryPoints.length === 0) continue;
  const outdir = join(packageDir, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  const inline = INLINE[manifest.name];
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Every bare import (other packages, koffi, node:*) stays an import, but those inlined.
    ...(inline
      ? {
          external: Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
            (dependency) => !inline.packages.includes(dependency),
          ),
          alias: inline.alias,
          banner: { js: REQUIRE_BANNER },
        }
      : { packages: 'external' }),
    // Error classes name themselves after their class (new.target.name).
    keepNames: true,
    sourcemap: 'linked',
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
  bundled += 1;
}
console.log(`bundle: ${bundled} packages`);

// Bundles each workspace package's compiled entry points (dist/src, from tsc) into dist/bundle,
// which is what the package's "exports" serve. A package's bundle holds its own code only: every
// bare import (other workspace packages, dependencies, node:*) stays an import, so dependencies
// load as published and every package keeps a single copy of its module state and error classes,
// whichever package reaches it. Entries of one package share chunks for the same reason, and
// dynamic imports stay lazy.
//
// Usage: node scripts/bundle.mjs (run by `npm run build`, after `tsc -b`).
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');
const BUNDLE = /^\.\/dist\/bundle\/([\w-]+)\.js$/;

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
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // No keepNames: it defines the name of every closure each time one is made (a quarter of an
    // async receive's CPU). packages/dijitso/test/bundles.test.ts pins the exported class names.
    sourcemap: 'linked',
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
  bundled += 1;
}
console.log(`bundle: ${bundled} packages`);

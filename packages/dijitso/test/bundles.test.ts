import assert from 'node:assert/strict';
import { test } from 'node:test';

// The bundled entry points of dijitso and the packages it depends on, whose errors take their name
// from their class (new.target.name); the bundler renames a class when two modules declare one.
const ENTRIES = [
  'dijitso',
  '@dijitso/core-cache',
  '@dijitso/core-cache/runtime',
  '@dijitso/compiler',
  '@dijitso/loader',
  '@dijitso/mpi-roles',
];

test('every class a bundle exports keeps its name (error names come from their class)', async () => {
  let classes = 0;
  for (const entry of ENTRIES) {
    const exported = (await import(entry)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exported)) {
      if (typeof value !== 'function' || !Function.prototype.toString.call(value).startsWith('class'))
        continue;
      classes += 1;
      assert.equal(value.name, name, `${entry} exports the class ${name} under the name ${value.name}`);
    }
  }
  assert.ok(classes >= 20, `expected the bundles to export the error classes, found ${classes} classes`);
});

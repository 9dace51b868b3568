// Stands in for node:assert inside the bundled proper-lockfile (see scripts/bundle.mjs): its
// signal-exit dependency calls assert.equal once, to check a callback. Loading node:assert also
// loads node's assertion-error and color modules and opens stderr as a stream: 5-6 ms of CPU on
// the path from a cold jit() to the compiler's start.
'use strict';

function equal(actual, expected, message) {
  // node:assert's legacy equal compares with ==.
  if (actual != expected) throw new Error(message ?? `${String(actual)} == ${String(expected)}`);
}

module.exports = { equal };

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostics, parseDiagnostics } from '../src/index.js';

const GCC = `sig.cpp: In function 'int f()':
sig.cpp:3:10: error: 'y' was not declared in this scope
    3 |   return y;
      |          ^
sig.cpp:5:1: warning: no return statement in function returning non-void [-Wreturn-type]
In file included from sig.cpp:1:
sig.h:2: note: candidate is here
`;

const CLANG = `sig.c:4:3: error: use of undeclared identifier 'z'
  z = 1;
  ^
1 error generated.
`;

const LINKER = `/usr/bin/ld: /tmp/ccX.o: in function \`f':
sig.cpp:(.text+0x5): undefined reference to \`missing_function'
collect2: error: ld returned 1 exit status
`;

test('parses gcc errors, warnings and notes with their locations', () => {
  const diagnostics = parseDiagnostics(GCC);
  assert.deepEqual(diagnostics, [
    {
      file: 'sig.cpp',
      line: 3,
      column: 10,
      severity: 'error',
      message: "'y' was not declared in this scope",
    },
    {
      file: 'sig.cpp',
      line: 5,
      column: 1,
      severity: 'warning',
      message: 'no return statement in function returning non-void [-Wreturn-type]',
    },
    { file: 'sig.h', line: 2, column: 0, severity: 'note', message: 'candidate is here' },
  ]);
});

test('parses clang errors', () => {
  assert.deepEqual(parseDiagnostics(CLANG), [
    { file: 'sig.c', line: 4, column: 3, severity: 'error', message: "use of undeclared identifier 'z'" },
  ]);
});

test('keeps linker errors, without the collect2 summary', () => {
  assert.deepEqual(parseDiagnostics(LINKER), [
    { file: '', line: 0, column: 0, severity: 'note', message: "/tmp/ccX.o: in function `f':" },
    {
      file: 'sig.cpp',
      line: 0,
      column: 0,
      severity: 'error',
      message: "undefined reference to `missing_function'",
    },
  ]);
});

test('fatal errors count as errors', () => {
  const [d] = parseDiagnostics('sig.cpp:1:10: fatal error: nope.h: No such file or directory\n');
  assert.equal(d?.severity, 'error');
  assert.equal(d?.line, 1);
});

test('formats a diagnostic with the source line and a caret under the column', () => {
  const text = formatDiagnostics(parseDiagnostics(GCC).slice(0, 1), {
    'sig.cpp': 'int f() {\n  int x;\n  return y;\n}\n',
  });
  assert.equal(
    text,
    "  sig.cpp:3:10: error: 'y' was not declared in this scope\n      3 |   return y;\n        |          ^",
  );
});

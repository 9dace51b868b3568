// The generated C++ used by every benchmark: K lines of arithmetic (K = 2000 is about 0.5 s of c++ -O2 here).

/** A C++ source with `lines` arithmetic statements; `salt` makes otherwise equal sources differ. */
export function arithmeticSource(lines, salt = 0) {
  const body = [];
  for (let i = 0; i < lines; i++) {
    body.push(
      `  acc = acc * ${1 + (i % 7)}.0${salt} + x${i % 4} * ${(i * 37) % 101}.5 - acc / ${2 + (i % 5)}.25;`,
    );
  }
  return `extern "C" double kernel(double x0, double x1, double x2, double x3) {
  double acc = ${salt}.0;
${body.join('\n')}
  return acc;
}
extern "C" int add(int a, int b) { return a + b; }
`;
}

// One fresh process of the disk-hit benchmark: `jit DIR SIGNATURE` or `koffi PATH`; prints the call's ms
// (for koffi, its import and the load).
const [mode, target, signature] = process.argv.slice(2);
if (mode === 'koffi') {
  // jit() imports koffi on its first load, so the call it is compared with does too.
  const started = performance.now();
  const { default: koffi } = await import('koffi');
  koffi.load(target);
  process.stdout.write(String(performance.now() - started));
} else {
  const { jit } = await import('dijitso');
  const started = performance.now();
  const { origin } = await jit({
    signature,
    generate: () => {
      throw new Error('the benchmark expects a disk hit');
    },
    params: { cache: { dir: target } },
  });
  const ms = performance.now() - started;
  if (origin !== 'disk') throw new Error(`expected a disk hit, got ${origin}`);
  process.stdout.write(String(ms));
}

import { existsSync } from 'node:fs';
import { formatBytes } from '@dijitso/core-cache';
import { effectiveBuild } from '@dijitso/compiler';
import { PARAMETER_NAMES, configFiles } from '../params.js';
import type { Command } from './command.js';
import { table } from './format.js';

/** `dijitso config`: the effective parameters and where each came from. */
export const configCommand: Command = {
  name: 'config',
  summary: 'the effective parameters and where each came from',
  usage: 'config [--json]',
  description:
    'Print every parameter with its effective value and its source: default, a config file,\n' +
    'the environment or --cache-dir. Config files are listed in the order they are read.',
  options: [{ name: 'json', help: 'print JSON: { parameters: { name: { value, source } }, configFiles }' }],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { params, sources } = context.params();
    // Unset build parameters have effective defaults (compilers `cc` and `c++`, empty lists): show those.
    const values: Record<string, Record<string, unknown>> = {
      cache: params.cache,
      build: effectiveBuild(params.build),
    };
    const rows = PARAMETER_NAMES.map((name) => {
      const [section, key] = name.split('.') as [string, string];
      return { name, value: values[section]?.[key], source: sources[name] ?? 'default' };
    });
    const files = configFiles().map((path) => ({ path, exists: existsSync(path) }));
    if (context.options.json) {
      const parameters = Object.fromEntries(
        rows.map((row) => [row.name, { value: row.value ?? null, source: row.source }]),
      );
      context.out(JSON.stringify({ parameters, configFiles: files }, null, 2));
      return 0;
    }
    context.out(
      table([
        ['PARAMETER', 'VALUE', 'SOURCE'],
        ...rows.map((row) => [row.name, render(row.name, row.value), row.source]),
      ]),
    );
    context.out('\nconfig files, later ones win:');
    for (const file of files) context.out(`  ${file.path}${file.exists ? '' : ' (absent)'}`);
    return 0;
  },
};

/** `dijitso doctor`: check the compilers, MPI and the cache. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the compilers, MPI, the cache directory and every entry',
  usage: 'doctor',
  description:
    'Compile and load a tiny library with each configured compiler, look for MPI, check the cache\n' +
    "directory's permissions and free space, and verify every entry's size and sha256.\n" +
    'Exit status 1 when a check fails.',
  options: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    // The doctor loads the compiler and koffi: import it only for this command, keeping others quick.
    const { runDoctor } = await import('../doctor.js');
    const progress = context.progress('verifying');
    const dir = context.params().params.cache.dir;
    let checks;
    try {
      checks = await runDoctor({
        params: { cache: { dir } },
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.finish();
    }
    for (const check of checks) {
      const [first, ...more] = check.detail.split('\n');
      context.out(`${check.status.toUpperCase().padEnd(4)}  ${check.name}: ${first}`);
      for (const line of more) context.out(`        ${line}`);
    }
    return checks.some((check) => check.status === 'fail') ? 1 : 0;
  },
};

function render(name: string, value: unknown): string {
  if (value === undefined) return '(not set)';
  if (name === 'cache.maxSize' && typeof value === 'number') {
    return value > 0 ? `${value} (${formatBytes(value)})` : '0 (no limit)';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

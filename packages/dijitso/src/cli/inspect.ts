import {
  CacheCorruptError,
  extractEntry,
  formatBytes,
  listEntries,
  readEntry,
  resolveEntry,
  searchSources,
} from '@dijitso/core-cache';
import { UsageError } from './args.js';
import type { Command } from './command.js';
import { formatTime, isoTime, shellCommand, table } from './format.js';

/** `dijitso ls`: the entries with signature, key, size, times and language. */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'list the entries: signature, key, size, created, last used, language',
  usage: 'ls [--json]',
  description:
    'List the published entries of the cache, sorted by signature. Last use is recorded on hits\n' +
    '(at most every few minutes). With --json, print an array of objects instead.',
  options: [
    { name: 'json', help: 'print JSON: [{ signature, key, language, size, created, lastUsed, ... }]' },
  ],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const layout = await context.cache();
    const entries = await listEntries(layout);
    if (context.options.json) {
      const rows = entries.map((entry) => ({
        signature: entry.signature,
        key: entry.key,
        language: entry.language ?? null,
        size: entry.size,
        libSize: entry.libSize,
        created: isoTime(entry.created),
        lastUsed: isoTime(entry.lastUsed),
        path: layout.lib(entry.key),
        ...(entry.problem !== undefined ? { problem: entry.problem } : {}),
      }));
      context.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    if (entries.length === 0) {
      context.io.stderr.write(`no entries in ${layout.dir}\n`);
      return 0;
    }
    const rows = entries.map((entry) => [
      entry.signature,
      entry.key,
      formatBytes(entry.size),
      formatTime(entry.created),
      formatTime(entry.lastUsed),
      entry.problem === undefined ? (entry.language ?? '-') : `corrupt: ${entry.problem}`,
    ]);
    context.out(table([['SIGNATURE', 'KEY', 'SIZE', 'CREATED', 'LAST USED', 'LANGUAGE'], ...rows]));
    return 0;
  },
};

/** `dijitso show`: everything about one entry, or its source alone. */
export const showCommand: Command = {
  name: 'show',
  summary: 'show an entry: meta, build command, compiler log and source',
  usage: 'show [--source] SIGNATURE|KEY',
  description:
    'Show one entry, named by its key or by a signature held under a single key: its metadata,\n' +
    'the compiler command, the compiler output and the decompressed source (and header).',
  options: [{ name: 'source', help: 'print the decompressed source alone' }],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const layout = await context.cache();
    const key = await resolveEntry(layout, context.positionals[0]!);
    const entry = await readEntry(layout, key);
    if (entry.source === undefined && context.options.source) {
      throw new CacheCorruptError(
        `The entry ${key} has no source file ${entry.sourcePath}. ` +
          'Empty the cache with `dijitso clean` to have it rebuilt.',
      );
    }
    if (context.options.source) {
      context.io.stdout.write(entry.source!);
      return 0;
    }
    const { meta } = entry;
    context.out(
      table([
        ['signature', meta.signature],
        ['key', key],
        ['language', meta.language],
        ['library', `${entry.libPath} (${formatBytes(meta.size)})`],
        ['sha256', meta.sha256],
        ['entry size', formatBytes(entry.size)],
        [
          'created',
          `${formatTime(meta.created)} on ${meta.builtOn}, compiled in ${meta.compileSeconds.toFixed(2)} s`,
        ],
        ['last used', formatTime(entry.lastUsed)],
        ['compiler', `${meta.build.compiler} (${meta.build.compilerVersion || 'version unknown'})`],
        ...(meta.build.compilerFile
          ? [['compiler file', `${meta.build.compilerFile.path}, ${meta.build.compilerFile.size} bytes`]]
          : []),
        ...(meta.build.target ? [['target', `${meta.build.target.arch}-${meta.build.target.platform}`]] : []),
        ['host specific', meta.build.hostSpecific ? `yes (cpu ${meta.build.cpu})` : 'no'],
        ['dependencies', meta.dependencies.length > 0 ? meta.dependencies.join(', ') : 'none'],
      ]),
    );
    context.out('\nbuild command (run in the build folder; $DIJITSO_LIB is the lib/ folder):');
    context.out(`  ${shellCommand([meta.build.compiler, ...meta.build.args])}`);
    context.out('\ncompiler log:');
    context.out(entry.log.trim().length > 0 ? entry.log.trimEnd() : '  (empty)');
    if (entry.header !== undefined) {
      context.out(`\nheader ${meta.signature}.h:`);
      context.out(entry.header.trimEnd());
    }
    context.out(`\nsource ${entry.sourcePath}:`);
    context.out(entry.source === undefined ? '  (missing)' : entry.source.trimEnd());
    return 0;
  },
};

/** `dijitso grep`: search the decompressed sources. */
export const grepCommand: Command = {
  name: 'grep',
  summary: 'search the decompressed sources; prints signature:line: text',
  usage: 'grep [--signatures-only] [-i] [-F] PATTERN',
  description:
    'Search the sources (and headers) of every entry for PATTERN, a JavaScript regular expression,\n' +
    'and print matching lines as `signature:line: text` (`signature.h:line: text` in a header).\n' +
    'Exit status 1 when nothing matches.',
  options: [
    { name: 'signatures-only', short: 'l', help: 'print only the signatures of matching entries' },
    { name: 'ignore-case', short: 'i', help: 'match regardless of case' },
    { name: 'fixed-strings', short: 'F', help: 'PATTERN is plain text, not a regular expression' },
  ],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const text = context.positionals[0]!;
    const source = context.options['fixed-strings'] ? text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : text;
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, context.options['ignore-case'] ? 'i' : '');
    } catch (error) {
      throw new UsageError(
        `Invalid PATTERN ${JSON.stringify(text)}: ${(error as Error).message} (use -F for plain text).`,
      );
    }
    const layout = await context.cache();
    const signaturesOnly = context.options['signatures-only'] === true;
    const progress = context.progress('grep');
    let matches = 0;
    try {
      for await (const match of searchSources(layout, pattern, {
        firstMatchOnly: signaturesOnly,
        onProgress: (done, total) => progress.update(done, total),
      })) {
        matches += 1;
        progress.finish();
        const name = match.file === 'header' ? `${match.signature}.h` : match.signature;
        context.out(signaturesOnly ? match.signature : `${name}:${match.line}: ${match.text}`);
      }
    } finally {
      progress.finish();
    }
    if (matches === 0) {
      context.io.stderr.write(`dijitso grep: no source in ${layout.dir} matches ${JSON.stringify(text)}\n`);
      return 1;
    }
    return 0;
  },
};

/** `dijitso extract`: an entry as plain files. */
export const extractCommand: Command = {
  name: 'extract',
  summary: "write an entry's source, header, library and meta as plain files",
  usage: 'extract [--force] SIGNATURE|KEY [OUTDIR]',
  description:
    'Write the entry into OUTDIR (default: the current directory) as <signature>.cpp (or .c),\n' +
    '<signature>.h, <signature>.so, <signature>.meta.json and <signature>.log, and print their paths.\n' +
    'Existing files are left alone unless --force is given.',
  options: [{ name: 'force', short: 'f', help: 'overwrite files that already exist' }],
  positionals: { min: 1, max: 2 },
  async run(context) {
    const layout = await context.cache();
    const key = await resolveEntry(layout, context.positionals[0]!);
    const written = await extractEntry(layout, key, context.positionals[1] ?? '.', {
      overwrite: context.options.force === true,
    });
    for (const path of written) context.out(path);
    return 0;
  },
};

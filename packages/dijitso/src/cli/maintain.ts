import { createInterface } from 'node:readline/promises';
import {
  cleanCache,
  collectGarbage,
  formatBytes,
  parseDuration,
  parseSize,
  readStats,
  summarizeEntries,
  zeroStats,
  type GcReport,
  type LeftoverCounts,
} from '@dijitso/core-cache';
import { UsageError } from './args.js';
import type { Command, CommandContext } from './command.js';
import { count, formatTime, isoTime, table } from './format.js';

/** `dijitso stats`: the counters of every process that used the cache, and its size. */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'hits, misses, builds, compile time, MPI transfers, entries and size',
  usage: 'stats [--json] [--zero]',
  description:
    'Sum the statistics every process wrote into the cache (a fixed set of files in stats/, which\n' +
    'running processes update every few seconds), and add the entry count and size.\n' +
    '--zero restarts counting.',
  options: [
    { name: 'json', help: 'print JSON: { hits, misses, memoryHits, diskHits, builds, ... }' },
    { name: 'zero', short: 'z', help: 'zero the statistics (the entries stay)' },
  ],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const layout = await context.cache();
    if (context.options.zero) {
      await zeroStats(layout);
      context.out(`zeroed the statistics of ${layout.dir}`);
      return 0;
    }
    const [stats, summary] = await Promise.all([readStats(layout), summarizeEntries(layout)]);
    const { maxSize } = context.params().params.cache;
    const c = stats.counters;
    const hits = c.memoryHits + c.diskHits;
    if (context.options.json) {
      context.out(
        JSON.stringify(
          {
            cacheDir: layout.dir,
            hits,
            ...c,
            compileSeconds: Math.round(c.compileSeconds * 1000) / 1000,
            entries: summary.entries,
            totalSize: summary.totalSize,
            maxSize,
            since: isoTime(stats.since),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const calls = hits + c.misses;
    const rate = calls > 0 ? ` (${((100 * hits) / calls).toFixed(1)}% of ${calls} calls)` : '';
    context.out(
      table([
        ['cache directory', layout.dir],
        ['counting since', stats.since === undefined ? '-' : formatTime(stats.since)],
        ['hits', `${hits}${rate}`],
        ['  memory', String(c.memoryHits)],
        ['  disk', String(c.diskHits)],
        ['misses', String(c.misses)],
        ['builds', String(c.builds)],
        ['failed builds', String(c.failures)],
        ['compile time', `${c.compileSeconds.toFixed(2)} s`],
        ['received over MPI', `${count(c.received, 'entry', 'entries')}, ${formatBytes(c.bytesReceived)}`],
        ['corrupt entries healed', String(c.corruptHealed)],
        [
          'copied from the shared tier',
          `${count(c.sharedHits, 'entry', 'entries')}, ${formatBytes(c.sharedBytes)}`,
        ],
        ['corrupt in the shared tier', String(c.sharedCorrupt)],
        ['entries', String(summary.entries)],
        [
          'total size',
          `${formatBytes(summary.totalSize)} (limit ${maxSize > 0 ? formatBytes(maxSize) : 'none'})`,
        ],
      ]),
    );
    if (stats.unreadable > 0) {
      context.io.stderr.write(
        `dijitso stats: left out ${count(stats.unreadable, 'unreadable file')} in ${layout.statsDir}\n`,
      );
    }
    return 0;
  },
};

/** `dijitso gc`: evict least-recently-used entries and remove leftovers. */
export const gcCommand: Command = {
  name: 'gc',
  summary: 'evict least-recently-used entries to a size or age limit; remove leftovers',
  usage: 'gc [--max-size SIZE] [--max-age DURATION] [--dry-run]',
  description:
    'Evict entries unused for longer than DURATION, then least-recently-used entries until the cache\n' +
    'fits in SIZE (default: the cache.maxSize parameter); entries linked against an evicted one go\n' +
    'too. Also removes staging leftovers, stale probe files and locks, and old err/ folders.\n' +
    'SIZE: 123, 10K, 5M, 2G (1024-based; 0 evicts everything). DURATION: 30s, 10m, 2h, 7d.',
  options: [
    { name: 'max-size', value: 'SIZE', help: 'keep the entries within SIZE bytes' },
    { name: 'max-age', value: 'DURATION', help: 'evict entries not used for DURATION' },
    { name: 'dry-run', short: 'n', help: 'show what would be removed, remove nothing' },
  ],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { cache } = context.params().params;
    const maxSize =
      typeof context.options['max-size'] === 'string'
        ? usageValue(() => parseSize(context.options['max-size'] as string, '--max-size'))
        : cache.maxSize > 0
          ? cache.maxSize
          : undefined;
    const maxAgeMs =
      typeof context.options['max-age'] === 'string'
        ? usageValue(() => parseDuration(context.options['max-age'] as string, '--max-age'))
        : undefined;
    const layout = await context.cache();
    const progress = context.progress('gc');
    let report: GcReport;
    try {
      report = await collectGarbage(layout, {
        maxSize,
        maxAgeMs,
        lockStaleMs: cache.lockStaleMs,
        dryRun: context.options['dry-run'] === true,
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.finish();
    }
    const verb = report.dryRun ? 'would evict' : 'evicted';
    context.out(
      `${verb} ${count(report.evicted.length, 'entry', 'entries')} (${formatBytes(report.freedBytes)})`,
    );
    if (report.evicted.length > 0) {
      context.out(
        table(
          report.evicted.map((entry) => [
            ' ',
            entry.signature,
            entry.key,
            formatBytes(entry.size),
            `last used ${formatTime(entry.lastUsed)}`,
            entry.reason,
          ]),
        ),
      );
    }
    if (report.busy.length > 0) {
      context.out(
        `left ${count(report.busy.length, 'entry', 'entries')} being built by another process: ${report.busy.join(', ')}`,
      );
    }
    const leftovers = leftoverSummary(report.leftovers);
    if (leftovers) context.out(`${report.dryRun ? 'would remove' : 'removed'} ${leftovers}`);
    if (report.statsFilesMerged > 0) {
      context.out(
        `${report.dryRun ? 'would fold' : 'folded'} ${count(report.statsFilesMerged, 'statistics file')} of an older version into the slots`,
      );
    }
    const limit = maxSize === undefined ? 'no size limit' : `limit ${formatBytes(maxSize)}`;
    context.out(
      `${layout.dir}: ${count(report.entries, 'entry', 'entries')}, ${formatBytes(report.totalSize)} (${limit})`,
    );
    return 0;
  },
};

/** `dijitso clean`: empty the cache. */
export const cleanCommand: Command = {
  name: 'clean',
  summary: 'empty the cache (asks first on a terminal unless --yes)',
  usage: 'clean [--yes]',
  description:
    'Remove every entry, every kept failure and the leftovers of dead processes. Builds running\n' +
    'now keep their staging folders; the statistics stay (`dijitso stats --zero` resets them).',
  options: [{ name: 'yes', short: 'y', help: 'do not ask for confirmation' }],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const layout = await context.cache();
    if (!context.options.yes && !(await confirm(context, `Remove every entry of ${layout.dir}? [y/N] `))) {
      context.io.stderr.write('dijitso clean: nothing removed\n');
      return 1;
    }
    const progress = context.progress('clean');
    try {
      const report = await cleanCache(layout, {
        lockStaleMs: context.params().params.cache.lockStaleMs,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      const leftovers = leftoverSummary(report.leftovers);
      context.out(
        `removed ${count(report.entries, 'entry', 'entries')} (${formatBytes(report.bytes)})` +
          `${leftovers ? ` and ${leftovers}` : ''} from ${layout.dir}`,
      );
    } finally {
      progress.finish();
    }
    return 0;
  },
};

async function confirm(context: CommandContext, question: string): Promise<boolean> {
  const { stdin, stderr } = context.io;
  if (!stdin.isTTY || !stderr.isTTY) {
    throw new UsageError('This removes every entry: pass --yes to confirm (there is no terminal to ask on).');
  }
  const prompt = createInterface({ input: stdin, output: stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

// The non-zero counts, e.g. "2 staging leftovers, 1 err/ folder"; '' when there were none.
function leftoverSummary(leftovers: LeftoverCounts): string {
  return (
    [
      [leftovers.staging, 'staging leftover'],
      [leftovers.probes, 'stale probe'],
      [leftovers.locks, 'stale lock'],
      [leftovers.failures, 'err/ folder'],
      [leftovers.orphans, 'half-published entry', 'half-published entries'],
    ] as Array<[number, string, string?]>
  )
    .filter(([amount]) => amount > 0)
    .map(([amount, singular, plural]) => count(amount, singular, plural))
    .join(', ');
}

/** Run a parser of an option's value; its ParameterError becomes a usage error (exit status 2). */
function usageValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

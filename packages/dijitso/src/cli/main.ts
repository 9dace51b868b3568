import { createRequire } from 'node:module';
import { DijitsoError, openCache, type CacheLayout } from '@dijitso/core-cache';
import { resolveParams, type ParamSources, type ResolvedParams } from '../params.js';
import { GLOBAL_OPTIONS, UsageError, parseCommandLine, type OptionSpec } from './args.js';
import type { Command, CommandContext, Io } from './command.js';
import { table } from './format.js';
import { extractCommand, grepCommand, lsCommand, showCommand } from './inspect.js';
import { cleanCommand, gcCommand, statsCommand } from './maintain.js';
import { progressBar } from './progress.js';
import { configCommand, doctorCommand } from './setup.js';

const helpCommand: Command = {
  name: 'help',
  summary: 'show the help of dijitso or of one command',
  usage: 'help [COMMAND]',
  description: 'Show the overall help, or the help of COMMAND.',
  options: [],
  positionals: { min: 0, max: 1 },
  async run(context) {
    const name = context.positionals[0];
    if (name === undefined) {
      context.out(overallHelp());
      return 0;
    }
    const command = COMMANDS.get(name);
    if (!command)
      throw new UsageError(`Unknown command "${name}". Run \`dijitso --help\` for the list of commands.`);
    context.out(commandHelp(command));
    return 0;
  },
};

/** Every command by name, in the order the help lists them. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    lsCommand,
    showCommand,
    grepCommand,
    extractCommand,
    statsCommand,
    gcCommand,
    cleanCommand,
    configCommand,
    doctorCommand,
    helpCommand,
  ].map((command) => [command.name, command]),
);

/**
 * Run the `dijitso` command line `argv` (without `node` and the script) and resolve to its exit
 * status: 0 ok, 1 failure or not found (the message on stderr), 2 usage error.
 */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let commandName: string | undefined;
  try {
    const line = parseCommandLine(argv, (name) => COMMANDS.get(name)?.options);
    commandName = line.command;
    const command = line.command === undefined ? undefined : COMMANDS.get(line.command);
    if (line.options.version) {
      io.stdout.write(`dijitso ${version()}\n`);
      return 0;
    }
    if (line.options.help) {
      io.stdout.write((command ? commandHelp(command) : overallHelp()) + '\n');
      return 0;
    }
    if (!command) {
      io.stderr.write(overallHelp() + '\n');
      return 2;
    }
    const { min, max } = command.positionals;
    if (line.positionals.length < min || line.positionals.length > max) {
      throw new UsageError(
        `dijitso ${command.name} takes ${min === max ? min : `${min} to ${max}`} argument(s), ` +
          `got ${line.positionals.length}. Usage: dijitso ${command.usage}`,
      );
    }
    return await command.run(makeContext(line.positionals, line.options, io));
  } catch (error) {
    const prefix = commandName ? `dijitso ${commandName}` : 'dijitso';
    if (error instanceof UsageError) {
      io.stderr.write(`${prefix}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof DijitsoError) {
      io.stderr.write(`${prefix}: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(
      `${prefix}: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n` +
        'Please report it with the command line that caused it.\n',
    );
    return 1;
  }
}

function makeContext(positionals: string[], options: Record<string, string | true>, io: Io): CommandContext {
  const cacheDir = typeof options['cache-dir'] === 'string' ? options['cache-dir'] : undefined;
  let resolved: { params: ResolvedParams; sources: ParamSources } | undefined;
  let layout: Promise<CacheLayout> | undefined;
  const params = (): { params: ResolvedParams; sources: ParamSources } => {
    if (!resolved) {
      resolved = resolveParams(cacheDir === undefined ? undefined : { cache: { dir: cacheDir } });
      if (cacheDir !== undefined) resolved.sources['cache.dir'] = '--cache-dir';
    }
    return resolved;
  };
  return {
    positionals,
    options,
    io,
    out: (text) => io.stdout.write(text + '\n'),
    params,
    cache: () => (layout ??= openTier(params().params.cache, options.shared === true)),
    progress: (label) => progressBar(label, io.stderr),
  };
}

// The tier a command works on: the cache directory, or with --shared the shared tier.
async function openTier(cache: ResolvedParams['cache'], shared: boolean): Promise<CacheLayout> {
  if (!shared) return openCache(cache.dir);
  if (cache.shared === undefined) {
    throw new UsageError(
      'The option --shared needs a shared tier: set cache.shared in a config file or DIJITSO_SHARED_CACHE_DIR.',
    );
  }
  return openCache(cache.shared, { trustedGroup: cache.trustedGroup });
}

function overallHelp(): string {
  return [
    'Usage: dijitso [--cache-dir DIR] [--shared] COMMAND [options] [arguments]',
    '',
    'Inspect, search, extract, size-limit and clean the dijitso cache.',
    '',
    'Commands:',
    table([...COMMANDS.values()].map((command) => [`  ${command.name}`, command.summary])),
    '',
    'Global options (before or after the command):',
    optionsTable(GLOBAL_OPTIONS),
    '',
    'Run `dijitso COMMAND --help` for the options of a command.',
    'Exit status: 0 ok, 1 failure or not found, 2 usage error.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const lines = [`Usage: dijitso ${command.usage}`, '', command.description];
  if (command.options.length > 0) lines.push('', 'Options:', optionsTable(command.options));
  lines.push('', 'Global options:', optionsTable(GLOBAL_OPTIONS));
  return lines.join('\n');
}

function optionsTable(options: readonly OptionSpec[]): string {
  return table(
    options.map((option) => [
      `  ${option.short ? `-${option.short}, ` : '    '}--${option.name}${option.value ? ` ${option.value}` : ''}`,
      option.help,
    ]),
  );
}

function version(): string {
  // dist/src/cli/main.js -> the package's package.json
  const require = createRequire(import.meta.url);
  return (require('../../../package.json') as { version: string }).version;
}

function defaultIo(): Io {
  // `dijitso ls | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

import { ParameterError } from '@dijitso/core-cache';

/** A command line that does not parse: exit status 2. */
export class UsageError extends ParameterError {}

/** An option of a command (or a global one). */
export interface OptionSpec {
  /** Long name without the dashes: `max-size`. */
  name: string;
  /** One-letter alias without the dash. */
  short?: string;
  /** The value's placeholder (`SIZE`) when the option takes one; absent for a flag. */
  value?: string;
  help: string;
}

/** What the command line asked for. */
export interface CommandLine {
  /** The command name, when one was given. */
  command: string | undefined;
  /** Option values by long name: a string for valued options, true for flags. */
  options: Record<string, string | true>;
  positionals: string[];
}

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'cache-dir',
    value: 'DIR',
    help: 'the cache directory (default: $DIJITSO_CACHE_DIR, else the config files, else ~/.cache/dijitso)',
  },
  {
    name: 'shared',
    help: 'work on the shared tier (cache.shared, $DIJITSO_SHARED_CACHE_DIR) instead of the cache directory',
  },
  { name: 'help', short: 'h', help: 'show help (dijitso COMMAND --help for one command)' },
  { name: 'version', short: 'V', help: 'print the version' },
];

/**
 * Parse `argv`: global options anywhere, the first bare word is the command, and what follows is
 * read against that command's options (`commandOptions` looks them up); `--` ends the options.
 */
export function parseCommandLine(
  argv: readonly string[],
  commandOptions: (command: string) => readonly OptionSpec[] | undefined,
): CommandLine {
  const line: CommandLine = { command: undefined, options: {}, positionals: [] };
  let specs: readonly OptionSpec[] = GLOBAL_OPTIONS;
  let optionsEnded = false;
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (!optionsEnded && token === '--') {
      optionsEnded = true;
      continue;
    }
    if (optionsEnded || !token.startsWith('-') || token === '-') {
      if (line.command === undefined) {
        const known = commandOptions(token);
        if (known === undefined) {
          throw new UsageError(
            `Unknown command "${token}". Run \`dijitso --help\` for the list of commands.`,
          );
        }
        line.command = token;
        specs = [...GLOBAL_OPTIONS, ...known];
      } else {
        line.positionals.push(token);
      }
      continue;
    }
    const long = token.startsWith('--');
    const [rawName, inline] = long ? splitOnce(token.slice(2), '=') : [token.slice(1), undefined];
    const spec = specs.find((candidate) => (long ? candidate.name === rawName : candidate.short === rawName));
    if (spec === undefined) {
      const where = line.command ? `dijitso ${line.command}` : 'dijitso';
      const help = line.command ? `dijitso ${line.command} --help` : 'dijitso --help';
      throw new UsageError(`Unknown option ${token} for ${where}. Run \`${help}\` for its options.`);
    }
    if (spec.value === undefined) {
      if (inline !== undefined)
        throw new UsageError(`The option --${spec.name} takes no value (got "${inline}").`);
      line.options[spec.name] = true;
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined)
      throw new UsageError(`The option --${spec.name} needs a value: --${spec.name} ${spec.value}.`);
    line.options[spec.name] = value;
  }
  return line;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

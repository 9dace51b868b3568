import type { CacheLayout } from '@dijitso/core-cache';
import type { ParamSources, ResolvedParams } from '../params.js';
import type { OptionSpec } from './args.js';
import type { Progress } from './progress.js';

/** The streams a command talks to. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** What a command runs with: its parsed arguments, the streams and the cache it works on. */
export interface CommandContext {
  positionals: string[];
  /** Option values by long name: a string for valued options, true for flags. */
  options: Record<string, string | true>;
  io: Io;
  /** Write `text` and a newline to stdout. */
  out(text: string): void;
  /** The effective parameters (with --cache-dir applied) and where each came from. */
  params(): { params: ResolvedParams; sources: ParamSources };
  /** Open (create and check) the cache directory. */
  cache(): Promise<CacheLayout>;
  /** A progress bar on stderr, drawn only when stderr is a terminal. */
  progress(label: string): Progress;
}

/** One `dijitso` command. */
export interface Command {
  name: string;
  /** One line for the overall help. */
  summary: string;
  /** The synopsis after `dijitso `, e.g. `gc [--max-size SIZE]`. */
  usage: string;
  /** A few lines for `dijitso COMMAND --help`. */
  description: string;
  options: readonly OptionSpec[];
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number };
  /** Run it; resolves to the exit status. */
  run(context: CommandContext): Promise<number>;
}

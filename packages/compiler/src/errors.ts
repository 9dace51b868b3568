import { DijitsoError } from '@dijitso/core-cache/runtime';
import type { Diagnostic } from './diagnostics.js';

/** The compiler rejected the generated code (or failed to link it). */
export class JitCompileError extends DijitsoError {
  /** Every diagnostic the compiler printed, in order. */
  readonly diagnostics: Diagnostic[];
  /** The folder where the failed build was kept (source, header, command, output). */
  readonly failurePath: string | undefined;
  /** The compiler's whole output. */
  readonly output: string;

  constructor(
    message: string,
    details: { diagnostics: Diagnostic[]; failurePath?: string | undefined; output: string },
    options?: { cause?: unknown },
  ) {
    super('JIT_COMPILE_FAILED', message, options);
    this.diagnostics = details.diagnostics;
    this.failurePath = details.failurePath;
    this.output = details.output;
  }
}

/** The compiler command could not be run at all (not installed, not executable). */
export class CompilerNotFoundError extends DijitsoError {
  /** The command we tried to run. */
  readonly command: string;

  constructor(command: string, message: string, options?: { cause?: unknown }) {
    super('COMPILER_NOT_FOUND', message, options);
    this.command = command;
  }
}

import { DijitsoError } from '@dijitso/core-cache/runtime';

/** The `generate` callback threw, or returned something that is not generated code. */
export class JitGenerateError extends DijitsoError {
  /** The signature being generated. */
  readonly signature: string;

  constructor(signature: string, message: string, options?: { cause?: unknown }) {
    super('JIT_GENERATE_FAILED', message, options);
    this.signature = signature;
  }
}

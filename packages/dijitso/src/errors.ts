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

/** The library could be found or built but the dynamic loader refused it. */
export class JitLoadError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JIT_LOAD_FAILED', message, options);
  }
}

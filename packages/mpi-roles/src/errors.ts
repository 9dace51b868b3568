import { DijitsoError } from '@dijitso/core-cache/runtime';

/** A strategy that is unknown, malformed, or whose plan would leave a group without the library. */
export class StrategyError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STRATEGY_INVALID', message, options);
  }
}

/** The ranks could not agree on which of them share a cache directory. */
export class RendezvousError extends DijitsoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RENDEZVOUS_FAILED', message, options);
  }
}

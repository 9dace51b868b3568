import { DijitsoError } from '@dijitso/core-cache/runtime';
import type { ErrorPayload } from './frames.js';

/** The default error serialization: code, name, message; the rest stays on the failing rank. */
export function basicErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof DijitsoError) return { code: error.code, name: error.name, message: error.message };
  const e = error as Error;
  return { code: 'UNKNOWN', name: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

/** The default revival: a DijitsoError with the payload's code, name and message. */
export function reviveBasicError(payload: ErrorPayload): Error {
  const error = new DijitsoError(payload.code, payload.message);
  error.name = payload.name;
  return error;
}

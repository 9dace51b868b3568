import {
  CacheCorruptError,
  CacheIOError,
  CacheUnsafeError,
  DijitsoError,
  JitTimeoutError,
  ParameterError,
  SignatureError,
} from '@dijitso/core-cache/runtime';
import { CompilerNotFoundError, JitCompileError, type Diagnostic } from '@dijitso/compiler';
import { RendezvousError, StrategyError, basicErrorPayload, type ErrorPayload } from '@dijitso/mpi-roles';
import { JitGenerateError, JitLoadError } from './errors.js';

/** What travels of an error raised on another rank, with the details its class carries. */
export function serializeError(error: unknown): ErrorPayload {
  const payload = basicErrorPayload(error);
  if (error instanceof JitCompileError) {
    payload.details = {
      diagnostics: error.diagnostics,
      failurePath: error.failurePath,
      output: error.output,
    };
  } else if (error instanceof JitGenerateError) {
    payload.details = { signature: error.signature };
  } else if (error instanceof CompilerNotFoundError) {
    payload.details = { command: error.command };
  } else if (error instanceof CacheUnsafeError) {
    payload.details = { path: error.path };
  }
  return payload;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Rebuild an error from another rank as an instance of its class, with the same code and message. */
export function reviveError(payload: ErrorPayload): Error {
  const d = payload.details ?? {};
  const m = payload.message;
  switch (payload.code) {
    case 'JIT_COMPILE_FAILED':
      return new JitCompileError(m, {
        diagnostics: Array.isArray(d.diagnostics) ? (d.diagnostics as Diagnostic[]) : [],
        failurePath: typeof d.failurePath === 'string' ? d.failurePath : undefined,
        output: text(d.output),
      });
    case 'JIT_LOAD_FAILED':
      return new JitLoadError(m);
    case 'JIT_GENERATE_FAILED':
      return new JitGenerateError(text(d.signature), m);
    case 'COMPILER_NOT_FOUND':
      return new CompilerNotFoundError(text(d.command), m);
    case 'CACHE_UNSAFE':
      return new CacheUnsafeError(text(d.path), m);
    case 'SIGNATURE_INVALID':
      return new SignatureError(m);
    case 'CACHE_CORRUPT':
      return new CacheCorruptError(m);
    case 'CACHE_IO':
      return new CacheIOError(m);
    case 'PARAMETER_INVALID':
      return new ParameterError(m);
    case 'JIT_TIMEOUT':
      return new JitTimeoutError(m);
    case 'STRATEGY_INVALID':
      return new StrategyError(m);
    case 'RENDEZVOUS_FAILED':
      return new RendezvousError(m);
    default: {
      const error = new DijitsoError(payload.code, m);
      error.name = payload.name;
      return error;
    }
  }
}

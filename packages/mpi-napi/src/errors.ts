/** Error class reported for failures that did not come from the MPI library itself. */
export const NOT_FROM_MPI = -1;

/** Options of an {@link MpiError}. */
export interface MpiErrorOptions {
  /** MPI error class (MPI_Error_class), or {@link NOT_FROM_MPI}. */
  mpiErrorClass?: number;
  /** The MPI function that failed, e.g. `MPI_Bcast`. */
  mpiFunction?: string;
  cause?: unknown;
}

/**
 * An MPI call failed (the message carries MPI's error string), MPI is in the wrong state for the
 * call, or the binding to MPI is not available.
 */
export class MpiError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'MPI_ERROR';
  override readonly name = 'MpiError';
  /** MPI error class (compare with the MPI library's constants), or -1 when not from MPI. */
  readonly mpiErrorClass: number;
  /** The MPI function that failed, when the error came from one. */
  readonly mpiFunction: string | undefined;

  constructor(message: string, options: MpiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.mpiErrorClass = options.mpiErrorClass ?? NOT_FROM_MPI;
    this.mpiFunction = options.mpiFunction;
  }
}

interface NativeMpiFailure {
  message: string;
  mpiErrorClass: number;
  mpiFunction: string;
}

function isNativeMpiFailure(error: unknown): error is NativeMpiFailure {
  return error instanceof Error && typeof (error as Partial<NativeMpiFailure>).mpiErrorClass === 'number';
}

/** Turns the addon's MPI failure into an MpiError; other errors pass through unchanged. */
export function toMpiError(error: unknown): unknown {
  if (!isNativeMpiFailure(error)) return error;
  return new MpiError(error.message, { mpiErrorClass: error.mpiErrorClass, mpiFunction: error.mpiFunction });
}

/** Runs a native call, converting MPI failures into MpiError. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toMpiError(error);
  }
}

import { ParameterError, describe } from './errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = {
  '': 1000,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parse a size: a byte count (`123`), or a number with a 1024-based unit (`10K`, `5M`, `2G`, `1T`;
 * `KiB`, `KB` and `k` are read the same), into bytes. `what` names the value in the error.
 */
export function parseSize(value: string | number, what = 'size'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
    if (match) return Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!);
  }
  throw new ParameterError(
    `Expected a size such as 123, 10K, 5M or 2G (1024-based) for ${what} but received ${describe(value)}`,
  );
}

/** Parse a duration (`30s`, `10m`, `2h`, `7d`, `1w`; a bare number is seconds) into milliseconds. */
export function parseDuration(value: string, what = 'duration'): number {
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(value) : null;
  if (!match) {
    throw new ParameterError(
      `Expected a duration such as 30s, 10m, 2h or 7d for ${what} but received ${describe(value)}`,
    );
  }
  return Math.floor(Number(match[1]) * DURATION_UNITS[match[2]!]!);
}

/** Render a byte count for people: `512 B`, `1.5 KiB`, `5.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

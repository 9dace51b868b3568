/** A progress indicator for a long operation. */
export interface Progress {
  /** Report `done` of `total` steps. */
  update(done: number, total: number): void;
  /** Erase the bar; call when the operation ends, before printing its result. */
  finish(): void;
}

const WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A bar on `stream` (stderr) while an operation runs, redrawn at most every 100 ms. It exists only
 * on a terminal: piped or redirected output stays free of control characters.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS && done < total) return;
      lastDraw = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * WIDTH);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

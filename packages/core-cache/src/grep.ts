import type { CacheLayout } from './layout.js';
import { readLz4Text, scanEntries, signatureOfKey } from './entries.js';

/** One line of a stored source or header that matched. */
export interface SourceMatch {
  signature: string;
  key: string;
  /** Which stored file matched. */
  file: 'source' | 'header';
  /** 1-based line number. */
  line: number;
  /** The line's text, without its newline. */
  text: string;
}

/** Options of `searchSources`. */
export interface SearchOptions {
  /** Stop at the first matching line of each entry (enough to name the entry). */
  firstMatchOnly?: boolean;
  /** Called after each entry is searched, with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Search the decompressed sources and headers of every published entry for `pattern`, in key
 * order, yielding matches as they are found (a large cache is never decompressed all at once).
 */
export async function* searchSources(
  layout: CacheLayout,
  pattern: RegExp,
  options: SearchOptions = {},
): AsyncGenerator<SourceMatch> {
  // A global or sticky RegExp keeps lastIndex between test() calls and would skip matches.
  const regexp = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const entries = (await scanEntries(layout)).filter((entry) => entry.published);
  let done = 0;
  for (const entry of entries) {
    const signature = signatureOfKey(entry.key);
    entryLoop: for (const [file, path] of [
      ['source', entry.sourcePath],
      ['header', entry.headerPath],
    ] as const) {
      if (path === undefined) continue;
      const text = await readLz4Text(path);
      if (text === undefined) continue;
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index]!;
        if (!regexp.test(line)) continue;
        yield { signature, key: entry.key, file, line: index + 1, text: line };
        if (options.firstMatchOnly) break entryLoop;
      }
    }
    done += 1;
    options.onProgress?.(done, entries.length);
  }
}

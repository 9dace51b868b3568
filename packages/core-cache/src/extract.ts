import { copyFile, constants, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CacheLayout } from './layout.js';
import { sourceExtension } from './layout.js';
import { readEntry } from './entries.js';
import { CacheCorruptError, CacheIOError } from './errors.js';
import { ioError } from './publish.js';

/** Options of `extractEntry`. */
export interface ExtractOptions {
  /** Replace files that already exist in the output folder (default: refuse). */
  overwrite?: boolean;
}

/**
 * Write the entry `key` as plain files into `outDir` (created if needed): `<signature>.cpp` (or
 * `.c`), `<signature>.h`, `<signature>.so`, `<signature>.meta.json` and, when the compiler printed
 * anything, `<signature>.log`. The source keeps its name, so its `#include "<signature>.h"` works.
 * Returns the paths written.
 */
export async function extractEntry(
  layout: CacheLayout,
  key: string,
  outDir: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const entry = await readEntry(layout, key);
  if (entry.source === undefined) {
    throw new CacheCorruptError(
      `The entry ${key} has no source file ${entry.sourcePath}; nothing was extracted. ` +
        'Empty the cache with `dijitso clean` to have it rebuilt.',
    );
  }
  const dir = resolve(outDir);
  const base = join(dir, entry.meta.signature);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw ioError(`create the output folder ${dir}`, error);
  }
  const flag = options.overwrite ? 'w' : 'wx';
  const written: string[] = [];
  const write = async (path: string, content: string): Promise<void> => {
    try {
      await writeFile(path, content, { flag });
    } catch (error) {
      throw refusal(path, error);
    }
    written.push(path);
  };
  await write(`${base}.${sourceExtension(entry.meta.language)}`, entry.source);
  if (entry.header !== undefined) await write(`${base}.h`, entry.header);
  try {
    await copyFile(entry.libPath, `${base}.so`, options.overwrite ? 0 : constants.COPYFILE_EXCL);
  } catch (error) {
    throw refusal(`${base}.so`, error);
  }
  written.push(`${base}.so`);
  await write(`${base}.meta.json`, JSON.stringify(entry.meta, null, 2) + '\n');
  if (entry.log.length > 0) await write(`${base}.log`, entry.log);
  return written;
}

function refusal(path: string, error: unknown): CacheIOError {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
    return new CacheIOError(
      `Not overwriting ${path}: it already exists. Choose another output folder or allow overwriting (dijitso extract --force).`,
      { cause: error },
    );
  }
  return ioError(`write ${path}`, error);
}

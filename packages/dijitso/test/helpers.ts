import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

/** A fresh temporary directory, removed when the test file ends. */
export async function tempDir(prefix = 'dijitso-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'worker.js');

/** Run the worker fixture in a new Node process and parse what it prints. */
export function runWorker(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ origin: string; result: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WORKER, ...args], { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`worker failed: ${stderr}`, { cause: error }));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** A generate callback returning `source` and counting its calls. */
export function counting(source: string, language: 'c' | 'c++' = 'c++') {
  const generate = () => {
    generate.calls += 1;
    return { source, language };
  };
  generate.calls = 0;
  return generate;
}

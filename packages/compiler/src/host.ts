import { readFileSync } from 'node:fs';
import { sha256Text } from '@dijitso/core-cache/runtime';
import { arch } from 'node:os';

type ChildProcessModule = typeof import('node:child_process');
let childProcessModule: ChildProcessModule | undefined;

/** node:child_process, loaded on first use: a process whose libraries are all cached never spawns. */
export async function childProcess(): Promise<ChildProcessModule> {
  childProcessModule ??= await import('node:child_process');
  return childProcessModule;
}

const versions = new Map<string, Promise<string>>();

/** First line of `<compiler> --version`, once per compiler per process ('' when it prints nothing). */
export function compilerVersion(compiler: string): Promise<string> {
  let pending = versions.get(compiler);
  if (!pending) {
    pending = childProcess().then(
      ({ execFile }) =>
        new Promise((resolve) => {
          execFile(compiler, ['--version'], { timeout: 30_000 }, (error, stdout) => {
            resolve(error ? '' : (stdout.split('\n')[0] ?? '').trim());
          });
        }),
    );
    versions.set(compiler, pending);
  }
  return pending;
}

let fingerprint: string | undefined;

/**
 * A short fingerprint of this CPU (architecture, model, feature flags): two hosts with the same
 * fingerprint can run each other's `-march=native` binaries.
 */
export function cpuFingerprint(): string {
  if (fingerprint === undefined) {
    let text = '';
    try {
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      const first = info.split('\n\n')[0] ?? '';
      text = first
        .split('\n')
        .filter((line) => /^(vendor_id|model name|flags|Features|CPU implementer|CPU part)\s*:/.test(line))
        .join('\n');
    } catch {
      // Not Linux: the architecture alone is all we can say.
    }
    fingerprint = `${arch()}-${sha256Text(text).slice(0, 12)}`;
  }
  return fingerprint;
}

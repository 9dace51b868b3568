import { readFileSync, readdirSync } from 'node:fs';

/**
 * Stop a compiler run and everything it started. Killing the driver alone (`c++`) leaves its
 * `cc1plus` running to the end, orphaned. So: freeze the driver (it cannot start another stage),
 * kill its descendants, found in /proc, then let the driver take SIGTERM, on which gcc and clang
 * delete their temporary files and exit. Without /proc only the driver gets the signal.
 */
export function stopProcessTree(pid: number): void {
  if (!signal(pid, 'SIGSTOP')) return;
  for (const descendant of descendantsOf(pid)) signal(descendant, 'SIGKILL');
  signal(pid, 'SIGTERM');
  signal(pid, 'SIGCONT');
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false; // gone already
  }
}

/** What /proc/<pid>/stat says of a process: its command, state letter and parent; undefined once gone. */
export function processStat(pid: number): { command: string; state: string; parent: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
  const close = stat.lastIndexOf(')');
  const [state = '', parent] = stat.slice(close + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, close), state, parent: Number(parent) };
}

/** Every live descendant of `root`, from the parent ids in /proc/<pid>/stat; [] without /proc. */
export function descendantsOf(root: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = processStat(Number(name));
    if (stat === undefined || stat.state === 'Z' || !Number.isInteger(stat.parent)) continue; // gone, or a zombie
    const siblings = children.get(stat.parent);
    if (siblings) siblings.push(Number(name));
    else children.set(stat.parent, [Number(name)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

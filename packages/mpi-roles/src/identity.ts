import { mkdirSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { hostname } from 'node:os';

/** Where a rank stands, without touching its directory: ranks with equal places see one directory. */
export interface RankPlace {
  /** This kernel's boot id: ranks with the same one run on one kernel (one host, or its containers). */
  boot: string;
  /** This process's mount namespace: one path names one directory only within one namespace. */
  mounts: string;
  /** The absolute path of the directory. */
  path: string;
}

/** What tells two directories of one kernel apart: device and inode, as that kernel sees them. */
export interface DirectoryIdentity {
  dev: number;
  ino: number;
}

let bootId: string | undefined;

// One host, several kernels only in VMs; containers and namespaces of one host share the kernel,
// its page cache and dentries, so equal inodes under one boot id are one directory for certain.
function thisBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Not Linux: the host name is the best stand-in for "this kernel".
      bootId = `host:${hostname()}`;
    }
  }
  return bootId;
}

let mountNamespace: string | undefined;

function thisMountNamespace(): string {
  if (mountNamespace === undefined) {
    try {
      mountNamespace = readlinkSync('/proc/self/ns/mnt');
    } catch {
      mountNamespace = '';
    }
  }
  return mountNamespace;
}

/** This rank's place (procfs only: nothing on the directory's file system). */
export function rankPlace(dir: string): RankPlace {
  return { boot: thisBootId(), mounts: thisMountNamespace(), path: resolve(dir) };
}

/**
 * A `stat` of `dir`, creating it (mode 0700) when it does not exist yet. Throws the file system's
 * error otherwise (the caller reports it on every rank).
 */
export function statDirectory(dir: string): Stats {
  try {
    return statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return statSync(dir);
  }
}

import { mkdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';

/** What tells two ranks' directories apart without writing a file. */
export interface DirectoryIdentity {
  /** This kernel's boot id: ranks with the same one run on one kernel (one host, or its containers). */
  boot: string;
  /** Device and inode of the directory, as this kernel sees it. */
  dev: number;
  ino: number;
}

/** Whether a directory can be shared with other kernels. */
export type FileSystemKind = 'local' | 'network';

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

/**
 * The identity of `dir`, creating it (mode 0700) when it does not exist yet. One `stat` when it
 * does. Throws the file system's error otherwise (the caller reports it on every rank).
 */
export function directoryIdentity(dir: string): DirectoryIdentity {
  let info;
  try {
    info = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    info = statSync(dir);
  }
  return { boot: thisBootId(), dev: info.dev, ino: info.ino };
}

// statfs(2) magic numbers of file systems that live on one machine's own storage (or memory):
// a directory there cannot be seen by another kernel. Anything else (nfs, lustre, gpfs, fuse,
// cifs, ceph, 9p, unknown) may be shared, and is probed.
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x4d44, // vfat
  0x5346544e, // ntfs
  0x3153464a, // jfs
  0x52654973, // reiserfs
  0x858458f6, // ramfs
]);

/** Whether `dir` is on a local file system (no other kernel can see it) or possibly shared. */
export function fileSystemKind(dir: string): FileSystemKind {
  try {
    return LOCAL_FILE_SYSTEMS.has(statfsSync(dir).type) ? 'local' : 'network';
  } catch {
    return 'network';
  }
}

import { constants, openSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Whether a directory can be shared with other kernels. */
export type FileSystemKind = 'local' | 'network';

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

const kinds = new Map<string, FileSystemKind>();

/**
 * Whether `dir` is on a local file system (no other kernel can see it) or possibly shared: one
 * `statfs` per directory and process (a mount does not change under a running program).
 */
export function fileSystemKind(dir: string): FileSystemKind {
  const path = resolve(dir);
  let kind = kinds.get(path);
  if (kind === undefined) {
    try {
      kind = LOCAL_FILE_SYSTEMS.has(statfsSync(path).type) ? 'local' : 'network';
    } catch {
      kind = 'network';
    }
    kinds.set(path, kind);
  }
  return kind;
}

/**
 * Open `path` for reading past this client's cache of missing names: a name looked up while it was
 * missing stays missing for the negative-cache time (FUSE's `negative_timeout`, NFS until the
 * folder's attributes are revalidated), even after another host made it. An open with O_CREAT is
 * sent to the server on both: it opens the file that is there, or makes an empty one, which the
 * caller removes or leaves for its owner to overwrite. `flags` are added (O_NOFOLLOW).
 */
export function openOnServer(path: string, flags = 0): number {
  return openSync(path, constants.O_RDONLY | constants.O_CREAT | flags, 0o600);
}

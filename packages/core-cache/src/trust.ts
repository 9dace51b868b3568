import { readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { CacheUnsafeError, ParameterError, describe } from './errors.js';

/**
 * The numeric id of the group `name`: a number as given, else the entry of that name in
 * `/etc/group` (the file the C library reads when no directory service is configured).
 */
export function groupId(name: string, groupFile = '/etc/group'): number {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ParameterError(
      `Expected a group name or numeric gid for cache.trustedGroup but received ${describe(name)}`,
    );
  }
  if (/^[0-9]+$/.test(name)) return Number(name);
  let text = '';
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch (error) {
    throw new ParameterError(
      `Cannot read ${groupFile} to find the group "${name}" of cache.trustedGroup: ${(error as Error).message}. ` +
        'Give the numeric gid instead.',
    );
  }
  for (const line of text.split('\n')) {
    const [entry, , gid] = line.split(':');
    if (entry === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  throw new ParameterError(
    `No group "${name}" in ${groupFile} (cache.trustedGroup). Give an existing group name or its numeric gid.`,
  );
}

/** Whether this process belongs to group `gid` (its primary or a supplementary group). */
export function inGroup(gid: number): boolean {
  if (process.getgid?.() === gid || process.getegid?.() === gid) return true;
  return process.getgroups?.().includes(gid) ?? false;
}

/** A group trusted to write a cache: its name as configured and its gid. */
export interface TrustedGroup {
  name: string;
  gid: number;
}

/**
 * Refuse (`CacheUnsafeError`) a cache directory or folder someone else could plant a library in:
 * writable by any user, owned by another user, or writable by its group, unless that group is
 * `trust` and this user belongs to it.
 */
export function checkSafe(path: string, info: Stats, what: string, trust?: TrustedGroup): void {
  const mode = (info.mode & 0o777).toString(8);
  if ((info.mode & 0o002) !== 0) {
    throw new CacheUnsafeError(
      path,
      `Refusing the ${what} ${path}: its mode ${mode} lets any user write to it, so anyone could plant ` +
        `a library that we would load. Fix it with: chmod go-w ${path}`,
    );
  }
  const uid = process.getuid?.();
  const mine = uid === undefined || info.uid === uid;
  if (mine && (info.mode & 0o020) === 0) return;
  if (trust !== undefined && info.gid === trust.gid) {
    if (inGroup(trust.gid)) return;
    throw new CacheUnsafeError(
      path,
      `Refusing the ${what} ${path}: it belongs to the trusted group ${trust.name} (gid ${trust.gid}), ` +
        'which this user is not a member of. Join the group, or drop cache.trustedGroup and use a directory of your own.',
    );
  }
  if (!mine) {
    throw new CacheUnsafeError(
      path,
      `Refusing the ${what} ${path}: it is owned by uid ${info.uid}, not by this user (uid ${uid}). ` +
        'Loading libraries from it would run code another user can plant. Use a directory of your own ' +
        '(params.cache.dir or DIJITSO_CACHE_DIR), or name its group in cache.trustedGroup if that group may write it.',
    );
  }
  throw new CacheUnsafeError(
    path,
    `Refusing the ${what} ${path}: its mode ${mode} lets group or others write to it, so anyone could ` +
      `plant a library that we would load. Fix it with: chmod go-w ${path}` +
      (trust
        ? `, or give it the trusted group: chgrp ${trust.name} ${path}`
        : ' (or name its group in cache.trustedGroup)'),
  );
}

// Folders made safely, for every layer that writes (a run folder, a cache): one mkdir per
// missing component, never Node's recursive mkdir (see createFolder), and file system errors
// named by their code for one-line messages.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, normalize } from 'node:path';

/** A file system error's code (ENOENT, EACCES, …), for a one-line message. */
export function errorCode(error: unknown): string {
  return String((error as NodeJS.ErrnoException).code ?? error);
}

/**
 * mkdir -p, failing with the error of the first folder that cannot be made. Not Node's recursive
 * mkdir: it reports ENOENT where a read-only file system (EROFS) or a permission (EACCES) stops
 * it, and never returns where a parent exists but takes no folders (under /proc, or in a working
 * directory that was deleted). Here each folder is made once, from the first missing one down:
 * at most one mkdir per component of the path.
 */
export function createFolder(path: string): void {
  const missing: string[] = [];
  // up to the first folder that exists (or the root, or '.'): each step shortens the path
  for (let folder = normalize(path); !existsSync(folder);) {
    missing.unshift(folder);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error; // (EEXIST: made meanwhile by another)
    }
  }
  if (!statSync(path).isDirectory()) {
    throw Object.assign(new Error(`${path}: not a folder`), { code: 'ENOTDIR' });
  }
}

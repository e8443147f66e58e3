// Data fingerprints remembered between runs: hashing MNIST's 47 MB of training pixels takes a
// quarter of a second, every run, for a value that only changes when the files do.
//
//   key          the files read, each as  absolute path · size · mtime (ns) · inode · device,
//                and how the split was cut from them (a limit, a validation hold-out)
//   value        dataset.ts fingerprint() of that split
//   where        $XDG_CACHE_HOME/mnist-softmax/fingerprints.json (else ~/.cache/…), at most
//                MAX_ENTRIES keys, the newest kept
//
// A file is stamped before it is read and again after: a file that changed meanwhile has no
// stamp, and its split's fingerprint is computed, never cached. A file rewritten in place keeps
// its inode but gets a new mtime (or size): its key changes and it is hashed again. The cache is
// written whole to a temporary file and renamed into place; a cache that cannot be read, is not
// JSON of the expected shape, or cannot be written is ignored (the fingerprint is computed).

import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createFolder } from '../folders.js';

/** Bump when fingerprint() changes what it hashes: older entries are then never matched. */
const VERSION = 'sha256-16/1';
const MAX_ENTRIES = 64;
const FINGERPRINT = /^[0-9a-f]{16}$/;

/** The default cache file, under the user's cache folder. */
export function defaultCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mnist-softmax', 'fingerprints.json');
}

/** A file's identity now: absolute path, size, mtime in ns, inode, device; null if unreadable. */
export function fileStamp(file: string): string | null {
  try {
    const stat = statSync(file, { bigint: true });
    return [resolve(file), stat.size, stat.mtimeNs, stat.ino, stat.dev].join(' ');
  } catch {
    return null;
  }
}

/** The entries of a cache file; {} when it is missing, unreadable or not what we write. */
function readCache(file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const entries = Object.entries(parsed as Record<string, unknown>);
    return Object.fromEntries(
      entries.filter((entry): entry is [string, string] => isFingerprint(entry[1])),
    );
  } catch {
    return {};
  }
}

function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT.test(value);
}

/** Writes the entries whole (temporary file, then rename); a failure leaves the old file. */
function writeCache(file: string, entries: Record<string, string>): void {
  const temporary = join(dirname(file), `.fingerprints.tmp-${process.pid}`);
  try {
    createFolder(dirname(file));
    writeFileSync(temporary, JSON.stringify(entries) + '\n');
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the cache is an optimisation
    }
  }
}

/**
 * The fingerprint for `key` from the cache, or `compute()`'d and remembered. A null key (a file
 * that changed while it was read) is always computed and never remembered.
 */
export function cachedFingerprint(
  key: string | null,
  compute: () => string,
  file: string = defaultCacheFile(),
): string {
  if (key === null) return compute();
  const fullKey = `${VERSION} ${key}`;
  const entries = readCache(file);
  const known = entries[fullKey];
  if (known !== undefined) return known;
  const value = compute();
  delete entries[fullKey];
  entries[fullKey] = value;
  const keys = Object.keys(entries);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete entries[old];
  writeCache(file, entries);
  return value;
}

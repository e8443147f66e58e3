// A run folder's life: created (exclusively, when it is a default name), locked by one writer,
// cleared of an earlier process's leftovers, and released at the end.
//
// The lock is a file, `.lock`, holding the writer's pid, host, start time and a token of its own:
// written whole under a name of its own, then published with link(2), which fails if a lock
// exists. A lock whose process is gone (a run killed with -9) is taken over with a warning, by
// one process only (see `claim`).
//
// An epoch's files (EPOCH_FILES) change together, in one step, whenever the process stops:
//
//   RUN/model.json → .current/model.json     one symlink per file, made once
//   RUN/.current   → .epochs/7               swapped by one rename per finished epoch
//   RUN/.epochs/7/ model.json checkpoint.json metrics.json
//
// so RUN/model.json, checkpoint.json and metrics.json always describe the same epoch, even after
// kill -9. When the run ends (finished, interrupted, failed), each file is renamed into place
// over its symlink (each name still resolves to the same epoch meanwhile) and the folder holds
// plain files again. (The history files, metrics.jsonl and metrics.csv, grow by appending: see
// runFiles.ts.)

import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EXIT, UserError } from '../errors.js';
import { createFolder, errorCode } from '../folders.js';
import { TEMPORARY_FILE, temporaryName, writeContents, type FileContents } from './runFiles.js';

export const LOCK_FILE = '.lock';
const CURRENT = '.current';
const EPOCHS = '.epochs';

/** The files that describe a finished epoch, changed together. */
export const EPOCH_FILES = ['model.json', 'checkpoint.json', 'metrics.json'];

/** The files a run writes into its folder. */
export const RUN_FILES = [
  'metrics.json',
  'metrics.jsonl',
  'metrics.csv',
  'events.jsonl',
  'model.json',
  'checkpoint.json',
  'curves.svg',
  'weights.png',
  'report.html',
  'step.json',
];

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  /** Unique to one taking of the lock (absent in locks of older versions). */
  token?: string;
}

/** `2026-11-22T05-30-12` in local time: sorts by date, safe in every file system. */
export function timestamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`
  );
}

/**
 * A new folder `runs/<timestamp>` of this run's own: created with a non-recursive mkdir, which
 * fails if the name exists, so runs started in the same second (or in parallel) get
 * `<timestamp>-2`, `-3`, … and never share one.
 */
export function createDefaultRunFolder(root = 'runs', now = new Date()): string {
  try {
    createFolder(root);
  } catch (error) {
    throw new UserError(`${root}: cannot create the runs folder (${errorCode(error)})`, EXIT.input);
  }
  const stamp = timestamp(now);
  for (let n = 1; ; n++) {
    const folder = join(root, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      mkdirSync(folder);
      return folder;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw new UserError(
          `${folder}: cannot create the run folder (${errorCode(error)})`,
          EXIT.input,
        );
      }
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** A live holder: on another host (which cannot be checked, so taken as live), or running here. */
function alive(holder: LockHolder): boolean {
  return holder.host !== hostname() || processAlive(holder.pid);
}

/** Blocks this thread for `ms` (the lock is taken synchronously, before any work starts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface LockFile {
  /** Null when the text is not a lock (damaged, or an empty file left by an older version). */
  holder: LockHolder | null;
  /** What tells this lock from every other: its token, or (older or damaged) a hash of its text. */
  id: string;
}

/** A lock file as it is now, or null when there is none. */
function readLock(file: string): LockFile | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let holder: LockHolder | null = null;
  try {
    const parsed = JSON.parse(text) as LockHolder;
    if (Number.isInteger(parsed.pid)) holder = parsed;
  } catch {
    // not a lock: taken over as if its holder were gone
  }
  const id = holder?.token ?? createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { holder, id: /^[\w-]+$/.test(id) ? id : 'unsafe' };
}

/** The live process that holds a run folder's lock, or null (none, or gone). */
export function lockHolder(folder: string): LockHolder | null {
  const holder = readLock(join(folder, LOCK_FILE))?.holder;
  return holder && alive(holder) ? holder : null;
}

/** How often a process that finds a takeover under way looks again, and how long it waits. */
const ATTEMPTS = 200;
const PAUSE_MS = 5;
/** Takeovers of takeovers (each needs a process killed in the middle of one) before giving up. */
const MAX_DEPTH = 4;

/**
 * Makes `file` a hard link of `mine` (a complete lock, written before anything can see it) when
 * there is no `file` or its holder is gone. Returns null when it is ours, else its live holder
 * ('busy': a takeover that cannot finish now).
 *
 *   - link(2) publishes a lock atomically and fails when one exists: of processes racing for a
 *     free lock, exactly one wins.
 *   - A dead holder's lock (id D) is replaced by a rename, which is atomic but overwrites
 *     whatever is there; so only the process that first takes the guard `.lock.takeover-D` (the
 *     same way, recursively: a guard whose holder died is itself taken over) may, and only
 *     while the lock still is D. Every other process sees the guard held, waits, and then finds
 *     the new holder.
 */
function claim(
  folder: string,
  file: string,
  mine: string,
  token: string,
  depth: number,
): LockHolder | 'busy' | null {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      linkSync(mine, file);
      return null;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const found = readLock(file);
    if (!found) continue; // released meanwhile
    if (found.holder && alive(found.holder)) return found.holder;
    if (depth >= MAX_DEPTH) return 'busy';
    const guard = join(folder, `${LOCK_FILE}.takeover-${found.id}`);
    if (claim(folder, guard, mine, token, depth + 1) !== null) {
      pause(PAUSE_MS); // another process is taking it over
      continue;
    }
    try {
      if (readLock(file)?.id === found.id) {
        const copy = `${mine}.r`;
        linkSync(mine, copy);
        renameSync(copy, file);
        if (depth === 0) {
          console.error(
            `warning: ${folder}: taking over the lock of process ` +
              `${found.holder?.pid ?? '(unknown)'}, which is gone`,
          );
        }
        return null;
      }
    } finally {
      if (readLock(guard)?.id === token) rmSync(guard, { force: true });
    }
  }
  return 'busy';
}

/** Lock candidates (`.lock.<pid>-<hex>`) and takeover guards, of processes killed meanwhile. */
const LOCK_CANDIDATE = /^\.lock\.(\d+)-[0-9a-f]+(\.r)?$/;
const LOCK_GUARD = /^\.lock\.takeover-/;

function removeDeadLockFiles(folder: string): void {
  for (const name of readdirSync(folder)) {
    const candidate = LOCK_CANDIDATE.exec(name);
    const path = join(folder, name);
    if (candidate && !processAlive(Number(candidate[1]))) rmSync(path, { force: true });
    if (LOCK_GUARD.test(name)) {
      const holder = readLock(path)?.holder;
      if (!holder || !alive(holder)) rmSync(path, { force: true });
    }
  }
}

/**
 * Takes the folder's lock, or refuses naming the process that holds it. A lock left by a process
 * that is gone (on this host) is taken over with a warning; so is an unreadable one. The lock is
 * never visible incomplete, and two processes never both hold it: see `claim`.
 */
export function lockRunFolder(folder: string, option: string): () => void {
  const file = join(folder, LOCK_FILE);
  const token = `${process.pid}-${randomBytes(8).toString('hex')}`;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    token,
  };
  const mine = join(folder, `${LOCK_FILE}.${token}`);
  const cannot = (error: unknown) =>
    new UserError(`${option} ${folder}: cannot be written (${errorCode(error)})`, EXIT.input);
  try {
    writeFileSync(mine, JSON.stringify(me) + '\n', { flag: 'wx' });
  } catch (error) {
    rmSync(mine, { force: true });
    throw cannot(error);
  }
  let holder: LockHolder | 'busy' | null;
  try {
    holder = claim(folder, file, mine, token, 0);
  } catch (error) {
    throw cannot(error);
  } finally {
    rmSync(mine, { force: true });
    rmSync(`${mine}.r`, { force: true });
  }
  // taken: still ours when read back (a check on all of the above)
  if (holder === null && readLock(file)?.id !== token) holder = 'busy';
  if (holder === 'busy') {
    throw new UserError(`${option} ${folder}: cannot take the lock ${LOCK_FILE}`, EXIT.input);
  }
  if (holder) {
    throw new UserError(
      `${option} ${folder}: the run folder is in use by process ${holder.pid}` +
        (holder.host !== me.host ? ` on ${holder.host}` : '') +
        ` (started ${holder.started}); wait for it, or stop it`,
      EXIT.input,
    );
  }
  return () => {
    if (readLock(file)?.id === token) rmSync(file, { force: true });
  };
}

/** Temporary files of an earlier process that was killed while writing. */
function removeLeftovers(folder: string): void {
  removeDeadLockFiles(folder);
  for (const name of readdirSync(folder)) {
    if (TEMPORARY_FILE.test(name)) rmSync(join(folder, name), { force: true });
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Points `link` at `target` in one rename (a symlink made under a temporary name first). */
function pointAt(link: string, target: string): void {
  const temporary = temporaryName(link);
  rmSync(temporary, { force: true });
  symlinkSync(target, temporary);
  renameSync(temporary, link);
}

function cannotWriteFolder(folder: string, error: unknown): never {
  throw new UserError(`${folder}: cannot write the run folder (${errorCode(error)})`, EXIT.input);
}

/** The epochs' files of one run folder, changed together (see the top of this file). */
export class EpochFiles {
  constructor(private readonly folder: string) {}

  /**
   * Before the first commit. A folder killed mid-run (symlinks, .current) is settled first, so
   * that it holds plain files; those (a resumed run's last epoch) are then moved into a
   * generation of their own without any name changing what it describes.
   */
  open(): void {
    try {
      this.settle();
      const generation = join(EPOCHS, 'resumed');
      const present = EPOCH_FILES.filter((name) => existsSync(join(this.folder, name)));
      if (present.length > 0) {
        createFolder(join(this.folder, generation));
        for (const name of present) {
          copyFileSync(join(this.folder, name), join(this.folder, generation, name));
        }
        pointAt(join(this.folder, CURRENT), generation);
      }
      for (const name of EPOCH_FILES) {
        if (!isSymlink(join(this.folder, name))) {
          pointAt(join(this.folder, name), join(CURRENT, name));
        }
      }
    } catch (error) {
      cannotWriteFolder(this.folder, error);
    }
  }

  /**
   * Writes a finished epoch's files, then makes them current in one rename. A file that cannot
   * be written is the folder's fault; contents that cannot be made (a number a model file
   * cannot hold) are not, and go on as they are.
   */
  commit(epoch: number, files: [name: string, contents: FileContents][]): void {
    const generation = join(EPOCHS, String(epoch));
    const path = join(this.folder, generation);
    try {
      rmSync(path, { recursive: true, force: true });
      createFolder(path);
      for (const [name, contents] of files) writeContents(join(path, name), contents);
      pointAt(join(this.folder, CURRENT), generation);
      for (const name of readdirSync(join(this.folder, EPOCHS))) {
        if (name !== String(epoch)) rmSync(join(this.folder, EPOCHS, name), { recursive: true });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === undefined) throw error;
      cannotWriteFolder(this.folder, error);
    }
  }

  /**
   * Plain files again: each file is renamed over its symlink (the other names still resolve to
   * the same epoch meanwhile), then the generations go. Safe to repeat after a crash.
   */
  settle(): void {
    const current = join(this.folder, CURRENT);
    if (existsSync(current)) {
      for (const name of EPOCH_FILES) {
        if (existsSync(join(current, name)) && isSymlink(join(this.folder, name))) {
          renameSync(join(current, name), join(this.folder, name));
        }
      }
    }
    for (const name of EPOCH_FILES) {
      if (isSymlink(join(this.folder, name)) && !existsSync(join(this.folder, name))) {
        rmSync(join(this.folder, name)); // dangling: no epoch had finished
      }
    }
    rmSync(current, { force: true });
    rmSync(join(this.folder, EPOCHS), { recursive: true, force: true });
  }
}

export interface RunFolder {
  path: string;
  epochFiles: EpochFiles;
  /**
   * Settles the epoch files into plain files and releases the lock; a folder this run created
   * and left empty (refused before it wrote anything) goes too.
   */
  release: () => void;
}

function runFolder(path: string, unlock: () => void, created: boolean): RunFolder {
  const epochFiles = new EpochFiles(path);
  return {
    path,
    epochFiles,
    release: () => {
      try {
        epochFiles.settle();
      } finally {
        unlock();
      }
      if (created && readdirSync(path).length === 0) rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `folder` (or a new default folder) ready for one run before any work starts, and locks
 * it. Refuses a file in its place, a folder that cannot be written, a folder another run holds,
 * and a folder that already holds files unless `force` (which removes an earlier run's files)
 * or `resume` (which keeps them). Leftover temporary files go in both cases.
 */
export function openRunFolder(
  folder: string | undefined,
  { force = false, resume = false }: { force?: boolean; resume?: boolean } = {},
): RunFolder {
  const option = resume ? '--resume' : '--out';
  try {
    process.cwd();
  } catch (error) {
    // a relative path would name nothing, and the engine's worker threads cannot start
    throw new UserError(
      `${option} ${folder ?? 'runs'}: the working directory no longer exists ` +
        `(${errorCode(error)}); run from a folder that does`,
      EXIT.input,
    );
  }
  if (folder === undefined) {
    const path = createDefaultRunFolder();
    return runFolder(path, lockRunFolder(path, option), true);
  }
  const fail = (what: string): never => {
    throw new UserError(`${option} ${folder}: ${what}`, EXIT.input);
  };
  try {
    if (!statSync(folder).isDirectory()) fail('exists and is not a folder');
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
  const created = !existsSync(folder);
  try {
    createFolder(folder);
    accessSync(folder, constants.W_OK);
  } catch (error) {
    fail(`cannot be created or written (${errorCode(error)})`);
  }
  const unlock = lockRunFolder(folder, option);
  try {
    const others = readdirSync(folder).filter((name) => name !== LOCK_FILE);
    if (others.length > 0 && !force && !resume) {
      fail('already holds files; choose another folder or pass --force to overwrite');
    }
    removeLeftovers(folder);
    // --force: an earlier run's files go, so that none is mistaken for this run's
    if (!resume) {
      for (const file of RUN_FILES) rmSync(join(folder, file), { force: true });
      rmSync(join(folder, CURRENT), { force: true });
      rmSync(join(folder, EPOCHS), { recursive: true, force: true });
    }
  } catch (error) {
    unlock();
    throw error;
  }
  return runFolder(folder, unlock, created);
}

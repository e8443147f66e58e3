// The studio's runs: every run folder in its runs folder (whoever started it, read as `compare`
// reads them, again only when its files changed, its event log from where the last look left
// off), and the `train` processes it started itself, at most `maxRuns` at a time; up to
// MAX_QUEUED more wait in a queue, without a folder until they start.
//
// Nothing is read through a link out of the runs folder: a run folder, or one of the files read
// from it, that resolves outside it is not a run here. A run whose files cannot be read is listed
// as `unreadable`, with the reason, and the others are listed as ever.

import { spawn, type ChildProcess } from 'node:child_process';
import { parseControl, type ControlState } from '../run/runControl.js';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, UserError } from '../errors.js';
import { EVENTS_FILE } from '../run/eventLog.js';
import { LOCK_FILE, timestamp } from '../run/runFolder.js';
import { createFolder, errorCode } from '../folders.js';
import { HISTORY_FILE } from '../run/runFiles.js';
import { isRunFolder, readRunWith, type RunRecord } from '../run/runReader.js';
import type { RunSummary } from './api.js';
import { EventTail } from './eventTail.js';

const CLI = fileURLToPath(new URL('../../bin/mnist-softmax.js', import.meta.url));

/**
 * A run's id is its folder's name, whatever it is (`my run`, `über`, `run(1)`), but not a hidden
 * one (`.x`, `..`) and never a path (no `/`).
 */
export const RUN_ID = /^[^./\0][^/\0]{0,254}$/u;

/** What Stop did: `stopping` also for a run taken out of the queue. */
export type StopOutcome = 'stopping' | 'not running' | 'not started here' | 'no such run';

/** Runs started from the page that wait for a free slot; more are refused (429). */
export const MAX_QUEUED = 16;

/** The files the studio reads from a run folder: each must stay inside the runs folder. */
const READ_FILES = [EVENTS_FILE, HISTORY_FILE, 'metrics.json', 'model.json', LOCK_FILE];

interface Child {
  id: string;
  folder: string;
  args: string[];
  /** `train --resume` of its existing folder, not a new run. */
  resume?: boolean;
  /** When the page asked for it (ms since 1970): where it sorts before its log says. */
  asked: number;
  process?: ChildProcess;
  /** The last lines it wrote to stderr: its error, when it fails before its folder says so. */
  stderr: string;
  exitCode?: number | null;
  /** Where it stands as its controls last said (runControl.ts): step, paused, learning rate. */
  control?: ControlState;
  /** Stop was asked for: ended before its folder said how, it reads `stopped`, not `failed`. */
  stopAsked?: boolean;
}

/** A run folder as last read: a record, or why it cannot be read. */
interface Entry {
  signature: string;
  tail: EventTail;
  record?: RunRecord;
  problem?: string;
}

/** What changes when a run folder changes: its log (appended or replaced), history, summary, lock. */
function signature(folder: string): string {
  const part = (name: string) => {
    try {
      const stat = statSync(join(folder, name));
      return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
    } catch {
      return '-';
    }
  };
  return [EVENTS_FILE, HISTORY_FILE, 'metrics.json', LOCK_FILE].map(part).join('|');
}

export class Runs {
  readonly folder: string;
  private readonly entries = new Map<string, Entry>();
  private readonly children = new Map<string, Child>();
  private readonly queue: Child[] = [];
  /** Runs taken out of the queue by Stop: never started, never listed again. */
  private readonly unstarted = new Set<string>();
  private realFolder: string | undefined;

  constructor(
    folder: string,
    private readonly maxRuns: number,
    /** Threads each `train` gets: the cores shared among the runs at once. */
    private readonly threads: number,
  ) {
    this.folder = resolve(folder);
  }

  /** Where `path` resolves (through any links), if that is inside the runs folder; else null. */
  realInside(path: string): string | null {
    try {
      // the runs folder's own real path, once it exists (the first run may make it)
      this.realFolder ??= realpathSync(this.folder);
      const real = realpathSync(path);
      return real.startsWith(this.realFolder + sep) ? real : null;
    } catch {
      return null;
    }
  }

  private inside(path: string): boolean {
    return this.realInside(path) !== null;
  }

  /** The run's folder, or null for an id that is not one of this folder's runs. */
  pathOf(id: string): string | null {
    if (!RUN_ID.test(id)) return null;
    const folder = join(this.folder, id);
    return existsSync(folder) && this.inside(folder) ? folder : null;
  }

  /** A run folder as it is now (read again only if its files changed), or null if none. */
  private entry(id: string): Entry | null {
    const folder = this.pathOf(id);
    if (!folder || !isRunFolder(folder)) return null;
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { signature: '', tail: new EventTail(join(folder, EVENTS_FILE)) };
      this.entries.set(id, entry);
    }
    // looked at every time: a link swapped in changes no size or time the signature sees
    const outside = READ_FILES.find(
      (name) => existsSync(join(folder, name)) && !this.inside(join(folder, name)),
    );
    if (outside) {
      entry.signature = '';
      entry.record = undefined;
      entry.problem = `${outside} links out of the runs folder`;
      return entry;
    }
    const now = signature(folder);
    if (entry.signature === now) return entry;
    entry.signature = now;
    try {
      const tail = entry.tail;
      entry.record = readRunWith(folder, () => tail.read());
      entry.problem = undefined;
    } catch (error) {
      if (!existsSync(folder)) return null; // removed while it was read
      entry.record = undefined;
      entry.problem = (error as Error).message;
    }
    return entry;
  }

  /** A run as its folder says now, or null (no such run, or it cannot be read: see `problem`). */
  record(id: string): RunRecord | null {
    return this.entry(id)?.record ?? null;
  }

  /** Why a run folder cannot be read, or null. */
  problem(id: string): string | null {
    return this.entry(id)?.problem ?? null;
  }

  /** When a run started: its log's first start line, else its folder's time, else when asked. */
  private startedAt(id: string, record: RunRecord | undefined): number {
    const start = record?.events.find((event) => event.type === 'start');
    const time = start ? Date.parse(start.time) : NaN;
    if (Number.isFinite(time)) return time;
    const child = this.children.get(id);
    try {
      return statSync(join(this.folder, id)).mtimeMs;
    } catch {
      return child?.asked ?? 0;
    }
  }

  private summary(id: string): RunSummary | null {
    const child = this.children.get(id);
    const entry = this.entry(id);
    const record = entry?.record;
    const started = this.startedAt(id, record);
    const blank = {
      started,
      paused: false,
      config: {},
      epochs: 0,
      steps: 0,
      lastStep: 0,
      testAccuracy: null,
      testLoss: null,
      startedHere: Boolean(child),
    };
    if (entry?.problem) {
      return { id, status: 'unreadable', message: entry.problem, ...blank, logged: true };
    }
    if (!record) {
      if (!child) return null;
      const ended = child.exitCode !== undefined;
      const failed = ended && !child.stopAsked;
      const lines = child.stderr.trim().split('\n');
      return {
        id,
        status: failed ? 'failed' : ended ? 'stopped' : child.process ? 'starting' : 'queued',
        ...(failed ? { message: lines[lines.length - 1] } : {}),
        ...blank,
        logged: false,
      };
    }
    const last = record.history[record.history.length - 1];
    const waiting = child !== undefined && this.queue.includes(child);
    const control = this.controlState(id);
    return {
      id,
      status: waiting ? 'queued' : record.status,
      paused: record.status === 'running' && control?.paused === true,
      started,
      ...(record.message ? { message: record.message } : {}),
      config: record.config,
      epochs: last?.epoch ?? 0,
      steps: last?.steps ?? 0,
      lastStep: Math.max(record.events[record.events.length - 1]?.step ?? 0, control?.step ?? 0),
      testAccuracy: last?.testAccuracy ?? null,
      testLoss: last?.testLoss ?? null,
      startedHere: Boolean(child),
      logged: true,
    };
  }

  /** Every run in the folder and every run started here, newest first (by start time). */
  list(): RunSummary[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.folder).filter((name) => RUN_ID.test(name));
    } catch {
      // no runs folder yet: the first run makes it
    }
    const ids = new Set([...names, ...this.children.keys()]);
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id); // removed
    return [...ids]
      .map((id) => this.summary(id))
      .filter((summary) => summary !== null)
      .sort((a, b) => b.started - a.started || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** Whether `count` more runs can start or wait (MAX_QUEUED wait at most). */
  hasRoom(count: number): boolean {
    const free = Math.max(0, this.maxRuns - this.running());
    return this.queue.length + Math.max(0, count - free) <= MAX_QUEUED;
  }

  /**
   * Starts a `train` with checked arguments, or queues it while `maxRuns` run; returns its id,
   * the name its folder gets when it starts: a timestamp, then `label` if given (what started it,
   * `learning-rates-lr-20`). Refuses (UserError) when no folder can be made.
   */
  start(args: string[], label?: string): string {
    this.checkFolder();
    const id = this.freeName(label);
    const child: Child = { id, folder: join(this.folder, id), args, stderr: '', asked: Date.now() };
    if (this.running() < this.maxRuns) this.launch(child);
    else this.queue.push(child);
    this.children.set(id, child);
    return id;
  }

  /**
   * Continues an interrupted run with `train --resume` of its folder, started (or queued) as
   * `start` starts runs; `train` itself checks the checkpoint and takes the folder's lock.
   */
  resume(id: string): 'resuming' | 'no such run' | 'not interrupted' | 'running' {
    const record = this.record(id);
    if (!record) return 'no such run';
    const earlier = this.children.get(id);
    if (earlier && earlier.exitCode === undefined) return 'running';
    if (record.status !== 'interrupted' || record.history.length === 0) return 'not interrupted';
    const child: Child = {
      id,
      folder: record.folder,
      args: [],
      resume: true,
      stderr: '',
      asked: Date.now(),
    };
    if (this.running() < this.maxRuns) this.launch(child);
    else this.queue.push(child);
    this.children.set(id, child);
    return 'resuming';
  }

  /** The runs folder exists (made if need be) and can take new folders, or a UserError says why. */
  private checkFolder(): void {
    try {
      createFolder(this.folder); // one mkdir per missing folder: it ends, even under /proc
    } catch (error) {
      throw new UserError(
        `${this.folder}: cannot create the runs folder (${errorCode(error)})`,
        EXIT.input,
      );
    }
    try {
      accessSync(this.folder, constants.W_OK);
    } catch (error) {
      throw new UserError(
        `${this.folder}: cannot create run folders in it (${errorCode(error)})`,
        EXIT.input,
      );
    }
  }

  /**
   * A default run name (a timestamp, `-label` if given, then `-2`, `-3`, …) that no folder and no
   * queued run has.
   */
  private freeName(label?: string): string {
    const stamp = label ? `${timestamp(new Date())}-${label}` : timestamp(new Date());
    for (let n = 1; n <= 1000; n++) {
      const id = n === 1 ? stamp : `${stamp}-${n}`;
      if (!this.children.has(id) && !existsSync(join(this.folder, id))) return id;
    }
    throw new UserError(`${this.folder}: no free run name for ${stamp}`, EXIT.input);
  }

  private running(): number {
    return [...this.children.values()].filter((c) => c.process && c.exitCode === undefined).length;
  }

  /** Makes the run's folder (its own: a name taken since it was queued fails) and starts it. */
  private launch(child: Child): void {
    try {
      if (!child.resume) mkdirSync(child.folder);
    } catch (error) {
      throw new UserError(
        `${child.folder}: cannot create the run folder (${errorCode(error)})`,
        EXIT.input,
      );
    }
    const args = ['train', child.resume ? '--resume' : '--out', child.folder, '--no-progress'];
    args.push('--threads', String(this.threads), ...child.args);
    // a process group of its own: a Ctrl-C in the studio's terminal reaches it once, from
    // close(), not twice (a second SIGINT would make it quit at once)
    const process_ = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'], // ipc: Pause, Step, Resume, learning rate
      detached: true,
    });
    child.process = process_;
    process_.stderr!.setEncoding('utf8');
    process_.stderr!.on('data', (text: string) => {
      child.stderr = (child.stderr + text).slice(-4000);
    });
    child.control = undefined;
    process_.on('message', (message) => {
      const { type, step, paused, lr } = message as Record<string, unknown>;
      if (type === 'control' && typeof step === 'number' && typeof lr === 'number') {
        child.control = { step, paused: paused === true, lr };
      }
    });
    process_.on('error', () => {}); // a control sent as it exits: the exit says what happened
    process_.on('exit', (code) => {
      child.exitCode = code;
      this.startQueued();
    });
  }

  private startQueued(): void {
    while (this.queue.length > 0 && this.running() < this.maxRuns) {
      const child = this.queue.shift()!;
      try {
        this.launch(child);
      } catch (error) {
        child.stderr = (error as Error).message;
        child.exitCode = EXIT.input;
      }
    }
  }

  /**
   * Stops a run as Ctrl-C does (its finished epochs kept, resumable), or takes it out of the
   * queue. Only runs started here: another terminal's run is stopped where it runs.
   */
  stop(id: string): StopOutcome {
    if (this.unstarted.has(id)) return 'not running';
    const child = this.children.get(id);
    if (!child) return this.pathOf(id) ? 'not started here' : 'no such run';
    const queued = this.queue.indexOf(child);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.children.delete(id); // it has no folder yet
      this.unstarted.add(id);
      return 'stopping';
    }
    if (!child.process || child.exitCode !== undefined) return 'not running';
    child.stopAsked = true;
    child.process.kill('SIGINT');
    return 'stopping';
  }

  /** Whether `id` was a run taken out of the queue by Stop (a lesson's arm not started). */
  neverStarted(id: string): boolean {
    return this.unstarted.has(id);
  }

  /**
   * Sends a control (pause, step, resume, lr; parseControl checks it) to a run started here; it
   * takes effect before its next batch.
   */
  control(
    id: string,
    message: unknown,
  ): 'sent' | 'not a control' | 'not running' | 'not started here' | 'no such run' {
    const child = this.children.get(id);
    if (!child) return this.pathOf(id) ? 'not started here' : 'no such run';
    const control = parseControl(message);
    if (!control) return 'not a control';
    if (!child.process?.connected || child.exitCode !== undefined) return 'not running';
    child.process.send(control, undefined, {}, () => {});
    return 'sent';
  }

  /** Where a run started here stands as its controls last said; null before they said. */
  controlState(id: string): ControlState | null {
    const child = this.children.get(id);
    return child?.process && child.exitCode === undefined ? (child.control ?? null) : null;
  }

  /** Stops every run started here (the studio is closing); the queued ones never start. */
  close(): void {
    for (const child of this.queue) this.children.delete(child.id);
    this.queue.length = 0;
    for (const child of this.children.values()) {
      if (child.process && child.exitCode === undefined) child.process.kill('SIGINT');
    }
  }
}

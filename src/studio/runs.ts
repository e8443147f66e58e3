// The studio's runs: every run folder in its runs folder (whoever started it, read as `compare`
// reads them, again only when its files changed), and the `train` processes it started itself,
// at most `maxRuns` at a time (the others wait in a queue).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENTS_FILE } from '../train/eventLog.js';
import { createDefaultRunFolder, LOCK_FILE } from '../train/runFolder.js';
import { HISTORY_FILE } from '../train/runFiles.js';
import { isRunFolder, readRun, type RunRecord } from '../train/runReader.js';
import type { RunSummary } from './api.js';

const CLI = fileURLToPath(new URL('../../bin/mnist-softmax.js', import.meta.url));

/** A run's id is its folder's name: letters, digits, `.`, `_`, `-`, not starting with `.`. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

interface Child {
  id: string;
  folder: string;
  args: string[];
  process?: ChildProcess;
  /** The last lines it wrote to stderr: its error, when it fails before its folder says so. */
  stderr: string;
  exitCode?: number | null;
}

/** What changes when a run folder changes: its log, its history, its lock. */
function signature(folder: string): string {
  const part = (name: string) => {
    try {
      const stat = statSync(join(folder, name));
      return `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return '-';
    }
  };
  return [EVENTS_FILE, HISTORY_FILE, LOCK_FILE].map(part).join('|');
}

export class Runs {
  readonly folder: string;
  private readonly records = new Map<string, { signature: string; record: RunRecord }>();
  private readonly children = new Map<string, Child>();
  private readonly queue: Child[] = [];

  constructor(
    folder: string,
    private readonly maxRuns: number,
    /** Threads each `train` gets: the cores shared among the runs at once. */
    private readonly threads: number,
  ) {
    this.folder = resolve(folder);
  }

  /** The run's folder, or null for an id that is not one of this folder's runs. */
  private pathOf(id: string): string | null {
    if (!RUN_ID.test(id)) return null;
    const folder = join(this.folder, id);
    return existsSync(folder) ? folder : null;
  }

  /** A run as its folder says now (read again only if its files changed), or null. */
  record(id: string): RunRecord | null {
    const folder = this.pathOf(id);
    if (!folder || !isRunFolder(folder)) return null;
    const now = signature(folder);
    const cached = this.records.get(id);
    if (cached?.signature === now) return cached.record;
    try {
      const record = readRun(folder);
      this.records.set(id, { signature: now, record });
      return record;
    } catch {
      return null; // removed while it was read
    }
  }

  private summary(id: string): RunSummary | null {
    const child = this.children.get(id);
    const record = this.record(id);
    if (!record) {
      if (!child) return null;
      const failed = child.exitCode !== undefined;
      const lines = child.stderr.trim().split('\n');
      return {
        id,
        status: failed ? 'failed' : child.process ? 'starting' : 'queued',
        ...(failed ? { message: lines[lines.length - 1] } : {}),
        config: {},
        epochs: 0,
        steps: 0,
        lastStep: 0,
        testAccuracy: null,
        testLoss: null,
        startedHere: true,
      };
    }
    const last = record.history[record.history.length - 1];
    return {
      id,
      status: record.status,
      ...(record.message ? { message: record.message } : {}),
      config: record.config,
      epochs: last?.epoch ?? 0,
      steps: last?.steps ?? 0,
      lastStep: record.events[record.events.length - 1]?.step ?? 0,
      testAccuracy: last?.testAccuracy ?? null,
      testLoss: last?.testLoss ?? null,
      startedHere: Boolean(child),
    };
  }

  /** Every run in the folder and every run started here, newest first. */
  list(): RunSummary[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.folder).filter((name) => RUN_ID.test(name));
    } catch {
      // no runs folder yet: the first run makes it
    }
    const ids = new Set([...names, ...this.children.keys()]);
    return [...ids]
      .sort()
      .reverse()
      .map((id) => this.summary(id))
      .filter((summary) => summary !== null);
  }

  /** Starts a `train` with checked arguments (queued while `maxRuns` run); returns its id. */
  start(args: string[]): string {
    const folder = createDefaultRunFolder(this.folder);
    const child: Child = { id: basename(folder), folder, args, stderr: '' };
    this.children.set(child.id, child);
    this.queue.push(child);
    this.startQueued();
    return child.id;
  }

  private running(): number {
    return [...this.children.values()].filter((c) => c.process && c.exitCode === undefined).length;
  }

  private startQueued(): void {
    while (this.queue.length > 0 && this.running() < this.maxRuns) {
      const child = this.queue.shift()!;
      const args = ['train', '--out', child.folder, '--no-progress'];
      args.push('--threads', String(this.threads), ...child.args);
      // a process group of its own: a Ctrl-C in the studio's terminal reaches it once, from
      // close(), not twice (a second SIGINT would make it quit at once)
      const process_ = spawn(process.execPath, [CLI, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      child.process = process_;
      process_.stderr!.setEncoding('utf8');
      process_.stderr!.on('data', (text: string) => {
        child.stderr = (child.stderr + text).slice(-4000);
      });
      process_.on('exit', (code) => {
        child.exitCode = code;
        this.startQueued();
      });
    }
  }

  /**
   * Stops a run as Ctrl-C does (its finished epochs kept, resumable), or takes it out of the
   * queue. Only runs started here: another terminal's run is stopped where it runs.
   */
  stop(id: string): 'stopping' | 'not running' | 'not started here' | 'no such run' {
    const child = this.children.get(id);
    if (!child) return this.pathOf(id) ? 'not started here' : 'no such run';
    const queued = this.queue.indexOf(child);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.children.delete(id);
      rmSync(child.folder, { recursive: true, force: true }); // the empty folder made for it
      return 'stopping';
    }
    if (!child.process || child.exitCode !== undefined) return 'not running';
    child.process.kill('SIGINT');
    return 'stopping';
  }

  /** Stops every run started here (the studio is closing). */
  close(): void {
    this.queue.length = 0;
    for (const child of this.children.values()) {
      if (child.process && child.exitCode === undefined) child.process.kill('SIGINT');
    }
  }
}

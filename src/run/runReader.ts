// Reading a run folder from outside (`compare`, the studio): what it is, how it stands, its
// history and event log. Safe while the run writes it: every file is either appended (a cut last
// line is left out) or replaced in one rename.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { EXIT, UserError } from '../errors.js';
import { eachEvent, EVENTS_FILE } from './eventLog.js';
import type { EventLine, RunRecord, RunStatus } from '../train/records.js';
import { errorCode } from '../folders.js';
import { HISTORY_FILE, readHistory } from './runFiles.js';
import { lockHolder } from './runFolder.js';
import { StepWindows } from '../report/stepWindows.js';

export type { RunRecord } from '../train/records.js';

/** Lines of a log besides its steps (starts, epochs, an end) kept at most: a run's are few. */
export const MAX_OTHER_EVENTS = 100_000;

/** A folder holds a run when it holds a run's history or event log. */
export function isRunFolder(folder: string): boolean {
  return existsSync(join(folder, EVENTS_FILE)) || existsSync(join(folder, HISTORY_FILE));
}

/**
 * The run's options, from metrics.json, or, before a first epoch has written it, the log's last
 * start line. A metrics.json that is there but damaged is refused, naming it.
 */
function readConfig(folder: string, events: EventLine[]): Record<string, unknown> {
  const file = join(folder, 'metrics.json');
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') {
      throw new UserError(`${file}: cannot read (${errorCode(error)})`, EXIT.input);
    }
  }
  if (text !== null) {
    let summary: unknown;
    try {
      summary = JSON.parse(text);
    } catch {
      throw new UserError(`${file}: not a run's summary (not JSON)`, EXIT.input);
    }
    const config = (summary as { config?: unknown } | null)?.config;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new UserError(
        `${file}: its "config" is not an object (${String(JSON.stringify(config)).slice(0, 40)})`,
        EXIT.input,
      );
    }
    return config as Record<string, unknown>;
  }
  const starts = events.flatMap((line) => (line.type === 'start' ? [line.config] : []));
  return starts[starts.length - 1] ?? {};
}

/** A run's event log as read: its lines, the step lines merged into windows of `stepStride`. */
export interface RunLog {
  events: EventLine[];
  stepStride: number;
}

/** Reads a run folder, or refuses, naming it, a folder that holds no run. */
export function readRun(path: string): RunRecord {
  return readRunWith(path, readLog);
}

/** readRun with another reader of the event log (the studio's reads only what was appended). */
export function readRunWith(path: string, readLog: (folder: string) => RunLog): RunRecord {
  const folder = resolve(path);
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    throw new UserError(`${path}: no such run folder`, EXIT.input);
  }
  if (!isFolder || !isRunFolder(folder)) {
    throw new UserError(
      `${path}: not a run folder (it has no ${EVENTS_FILE} or ${HISTORY_FILE}; train writes them)`,
      EXIT.input,
    );
  }
  const { events, stepStride } = readLog(folder);
  const history = existsSync(join(folder, HISTORY_FILE)) ? readHistory(folder) : [];
  const last = events[events.length - 1];
  let status: RunStatus;
  let message: string | undefined;
  if (lockHolder(folder)) status = 'running';
  else if (last?.type === 'end') {
    status = last.status;
    message = last.message;
  } else if (events.length === 0 && existsSync(join(folder, 'report.html'))) status = 'finished';
  else status = 'stopped';
  const config = readConfig(folder, events);
  return { folder, id: basename(folder), config, status, message, history, events, stepStride };
}

/**
 * The event log in bounded memory: its step lines merged as they are read (StepWindows), the
 * other lines kept, in the log's order.
 */
function readLog(folder: string): RunLog {
  const steps = new StepWindows();
  const others: EventLine[] = [];
  const at: number[] = [];
  eachEvent(folder, (line, number) => {
    if (line.type === 'step') return steps.add(line, number);
    if (others.length === MAX_OTHER_EVENTS) {
      throw new UserError(
        `${join(folder, EVENTS_FILE)}: more than ${MAX_OTHER_EVENTS} lines of starts, epochs ` +
          'and ends; not the log of a run',
        EXIT.input,
      );
    }
    others.push(line);
    at.push(number);
  });
  const events: EventLine[] = [];
  for (let i = 0, j = 0; i < others.length || j < steps.lines.length;) {
    if (j === steps.lines.length || (i < others.length && at[i] < steps.at[j])) {
      events.push(others[i++]);
    } else events.push(steps.lines[j++]);
  }
  return { events, stepStride: steps.stride };
}

// Reading a run folder from outside (`compare`, the studio): what it is, how it stands, its
// history and event log. Safe while the run writes it: every file is either appended (a cut last
// line is left out) or replaced in one rename.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { EXIT, UserError } from '../errors.js';
import { EVENTS_FILE, readEvents } from './eventLog.js';
import type { EventLine, HistoryLine, RunStatus } from './records.js';
import { HISTORY_FILE, readHistory } from './runFiles.js';
import { lockHolder } from './runFolder.js';

export interface RunRecord {
  /** The folder's absolute path. */
  folder: string;
  /** Its name: the run's id in the studio. */
  id: string;
  /** Its options, as metrics.json records them (or the event log, before a first epoch). */
  config: Record<string, unknown>;
  status: RunStatus;
  /** The end's message for interrupted and failed runs. */
  message?: string;
  history: HistoryLine[];
  events: EventLine[];
}

/** A folder holds a run when it holds a run's history or event log. */
export function isRunFolder(folder: string): boolean {
  return existsSync(join(folder, EVENTS_FILE)) || existsSync(join(folder, HISTORY_FILE));
}

function readConfig(folder: string, events: EventLine[]): Record<string, unknown> {
  try {
    const summary = JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8'));
    if (summary && typeof summary.config === 'object') return summary.config;
  } catch {
    // no epoch has finished yet: the log's start line says what runs
  }
  const starts = events.flatMap((line) => (line.type === 'start' ? [line.config] : []));
  return starts[starts.length - 1] ?? {};
}

/** Reads a run folder, or refuses, naming it, a folder that holds no run. */
export function readRun(path: string): RunRecord {
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
  const events = readEvents(folder);
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
  return { folder, id: basename(folder), config, status, message, history, events };
}

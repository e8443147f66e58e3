// Files of a run folder. Every file is written to a temporary name and renamed into place, so a
// reader (or a crash) never sees half a file.

import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError, EXIT } from '../errors.js';
import { createFolder, errorCode } from '../folders.js';
import { readLines } from '../inputFile.js';
import { TextBytes } from '../model/textBytes.js';
import type { EpochMetrics, HistoryLine } from '../train/records.js';
import { parseRecordLine } from './recordLines.js';

/** Temporary files are named `.<name>.tmp-<pid>`; a run folder's leftovers match this. */
export const TEMPORARY_FILE = /^\..+\.tmp-\d+$/;

export function temporaryName(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
}

function cannotWrite(file: string, error: unknown): UserError {
  return new UserError(`${file}: cannot write (${errorCode(error)})`, EXIT.input);
}

/** A file's contents: text, bytes, or what writes them (model.json's numbers, say) as they come. */
export type FileContents = string | Uint8Array | ((out: TextBytes) => void);

/** Writes `file` (not atomically: see writeFileAtomic), whatever form its contents take. */
export function writeContents(file: string, contents: FileContents): void {
  if (typeof contents !== 'function') return writeFileSync(file, contents);
  const fd = openSync(file, 'w');
  try {
    const out = new TextBytes((bytes) => {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    });
    contents(out);
    out.flush();
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const temporary = temporaryName(file);
  try {
    writeFileSync(temporary, contents);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw cannotWrite(file, error);
  }
}

/**
 * A folder of files written whole or not at all: built in a temporary sibling
 * (`.<name>.tmp-<pid>`), then renamed into place. With `replace`, the folder there is first
 * renamed aside (`.<name>.old-<pid>`) and removed once the new one is in place, so an
 * interruption leaves the old folder or the new one, never half of one. What killed writers left
 * beside it (their process gone) is removed first. Throws UserError naming the folder.
 */
export function writeFolderAtomic(
  folder: string,
  files: Record<string, string | Uint8Array>,
  replace: boolean,
): void {
  const target = resolve(folder);
  const [parent, name] = [dirname(target), basename(target)];
  const temporary = join(parent, `.${name}.tmp-${process.pid}`);
  const aside = join(parent, `.${name}.old-${process.pid}`);
  try {
    createFolder(parent);
    removeAbandoned(parent, name);
    rmSync(temporary, { recursive: true, force: true }); // a process gone that had our pid
    mkdirSync(temporary);
    for (const [file, contents] of Object.entries(files)) {
      writeFileSync(join(temporary, file), contents);
    }
    if (replace && existsSync(target)) renameSync(target, aside);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (existsSync(aside) && !existsSync(target)) renameSync(aside, target);
    throw cannotWrite(folder, error);
  }
  rmSync(aside, { recursive: true, force: true });
}

/** `.<name>.tmp-<pid>` and `.<name>.old-<pid>` in `parent` whose process is gone. */
function removeAbandoned(parent: string, name: string): void {
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(`.${name}.`)) continue;
    const pid = /^\.(?:tmp|old)-(\d+)$/.exec(entry.slice(name.length + 1))?.[1];
    if (pid && !processAlive(Number(pid))) {
      rmSync(join(parent, entry), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // alive, someone else's
  }
}

const COLUMNS = [
  'epoch',
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'seconds',
  'samplesPerSecond',
  'steps',
  'learningRate',
] as const satisfies readonly (keyof EpochMetrics)[];

const VALIDATION_COLUMNS = ['validationLoss', 'validationAccuracy'] as const;

/** Validation columns come after the others, in runs that hold out a validation split. */
function validated(metrics: EpochMetrics | undefined): boolean {
  return metrics?.validationAccuracy !== undefined;
}

function csvHeader(first: EpochMetrics): string {
  const norms = first.gradientNorms.map((_, l) => `gradientNorm${l + 1}`);
  return [...COLUMNS, ...norms, ...(validated(first) ? VALIDATION_COLUMNS : [])].join(',');
}

function csvLine(metrics: EpochMetrics): string {
  const validation = validated(metrics) ? VALIDATION_COLUMNS.map((column) => metrics[column]) : [];
  return [
    ...COLUMNS.map((column) => metrics[column]),
    ...metrics.gradientNorms,
    ...validation,
  ].join(',');
}

/** The columns above, one gradientNorm<k> column per dense layer, then the validation's. */
export function metricsCsv(epochs: EpochMetrics[]): string {
  return [csvHeader(epochs[0]), ...epochs.map(csvLine)].join('\n') + '\n';
}

export const HISTORY_FILE = 'metrics.jsonl';
export const CSV_FILE = 'metrics.csv';

/**
 * The history files, metrics.jsonl and metrics.csv, which grow by one appended line per epoch
 * (so a run's writing stays linear in its epochs). An epoch's line is appended just before the
 * epoch's files are committed, so after a crash a history may hold one line more than the
 * checkpoint; a resume cuts it back to the checkpoint's epochs.
 */
export class MetricsHistory {
  constructor(private readonly folder: string) {}

  private path(name: string): string {
    return join(this.folder, name);
  }

  /**
   * The first `epochs` lines (a resume), the rest cut off; or empty files for a new run. A
   * version 1 checkpoint carried its own history (`carried`), which then replaces the files.
   */
  start(epochs = 0, carried?: HistoryLine[]): HistoryLine[] {
    let lines: HistoryLine[] = carried ?? [];
    if (epochs > 0 && !carried) {
      try {
        lines = readHistory(this.folder, epochs);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(
          `${this.path(HISTORY_FILE)}: cannot read (${errorCode(error)})`,
          EXIT.input,
        );
      }
      if (lines.length < epochs || lines.some((line, i) => line.epoch !== i + 1)) {
        throw new UserError(
          `${this.path(HISTORY_FILE)}: holds fewer epochs than the checkpoint (${epochs})`,
          EXIT.input,
        );
      }
    }
    writeFileAtomic(
      this.path(HISTORY_FILE),
      lines.map((line) => JSON.stringify(line) + '\n').join(''),
    );
    writeFileAtomic(this.path(CSV_FILE), lines.length ? metricsCsv(lines) : '');
    return lines;
  }

  append(line: HistoryLine): void {
    try {
      appendFileSync(this.path(HISTORY_FILE), JSON.stringify(line) + '\n');
      const csv = this.path(CSV_FILE);
      const header = statSync(csv).size === 0 ? csvHeader(line) + '\n' : '';
      appendFileSync(csv, header + csvLine(line) + '\n');
    } catch (error) {
      throw cannotWrite(this.folder, error);
    }
  }
}

/**
 * metrics.json: the run's configuration and where it stands (its last epoch), small and
 * rewritten with the epoch's other files; the epochs themselves are in metrics.jsonl.
 */
export function metricsSummary(
  config: Record<string, unknown>,
  last: EpochMetrics,
  extra: Record<string, unknown> = {},
): string {
  const summary = { config, epochsRun: last.epoch, last, history: HISTORY_FILE, ...extra };
  return JSON.stringify(summary, null, 2) + '\n';
}

/** Epochs of a history read at most: far more than a run has. */
export const MAX_HISTORY_LINES = 100_000;

/**
 * A run folder's history, from metrics.jsonl: the whole of it, or its first `epochs` lines
 * (those a checkpoint vouches for), read a line at a time. A line that does not parse (cut by a
 * crash, or being appended as it is read) ends it; one that parses but is not an epoch's metrics
 * (a damaged file), or more than MAX_HISTORY_LINES, is refused naming the file (UserError).
 */
export function readHistory(folder: string, epochs = Infinity): HistoryLine[] {
  const file = join(folder, HISTORY_FILE);
  const lines: HistoryLine[] = [];
  readLines(file, (text, number) => {
    if (lines.length >= epochs) return false;
    if (text.length === 0) return;
    const line = parseRecordLine<HistoryLine>(text, 'history', file, number);
    if (!line) return false;
    if (lines.length === MAX_HISTORY_LINES) {
      throw new UserError(`${file}: more than ${MAX_HISTORY_LINES} epochs`, EXIT.input);
    }
    lines.push(line);
  });
  return lines;
}

// Files of a run folder. Every file is written to a temporary name and renamed into place, so a
// reader (or a crash) never sees half a file.

import {
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, EXIT } from '../errors.js';
import type { EpochMetrics } from './trainer.js';

export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const temporary = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  try {
    writeFileSync(temporary, contents);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UserError(
      `${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? error})`,
      EXIT.input,
    );
  }
}

/** `runs/2026-11-22T05-30-12` in local time: sorts by date, safe in every file system. */
export function defaultRunFolder(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  return join('runs', stamp);
}

/**
 * Makes sure `folder` can take a run before any work starts: creates it, refuses a file in its
 * place, a folder that cannot be written, or a folder that already holds files (unless `force`,
 * which removes a previous run's files; `keepFiles` keeps them, to resume a run).
 */
/** The files a run writes into its folder. */
export const RUN_FILES = [
  'metrics.json',
  'metrics.csv',
  'model.json',
  'checkpoint.json',
  'curves.svg',
  'weights.png',
  'report.html',
];

export function prepareRunFolder(folder: string, force: boolean, keepFiles = false): void {
  const fail = (what: string): never => {
    throw new UserError(`--out ${folder}: ${what}`, EXIT.input);
  };
  let exists = false;
  try {
    const info = statSync(folder);
    exists = true;
    if (!info.isDirectory()) fail('exists and is not a folder');
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
  if (exists && readdirSync(folder).length > 0 && !force) {
    fail('already holds files; choose another folder or pass --force to overwrite');
  }
  // --force: a previous run's files go, so that none is mistaken for this run's
  if (exists && !keepFiles) {
    for (const file of RUN_FILES) rmSync(join(folder, file), { force: true });
  }
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    fail(`cannot be created or written (${(error as NodeJS.ErrnoException).code ?? error})`);
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

/** The columns above, then one gradientNorm<k> column per dense layer. */
export function metricsCsv(epochs: EpochMetrics[]): string {
  const layers = epochs[0]?.gradientNorms.length ?? 0;
  const header = [...COLUMNS, ...Array.from({ length: layers }, (_, l) => `gradientNorm${l + 1}`)];
  const lines = epochs.map((metrics) =>
    [...COLUMNS.map((column) => metrics[column]), ...metrics.gradientNorms].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function writeMetrics(
  folder: string,
  config: Record<string, unknown>,
  epochs: EpochMetrics[],
  extra: Record<string, unknown> = {},
): void {
  writeFileAtomic(
    join(folder, 'metrics.json'),
    JSON.stringify({ config, epochs, ...extra }, null, 2) + '\n',
  );
  writeFileAtomic(join(folder, 'metrics.csv'), metricsCsv(epochs));
}

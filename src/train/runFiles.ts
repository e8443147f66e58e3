// Files of a run folder. Every file is written to a temporary name and renamed into place, so a
// reader (or a crash) never sees half a file.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, EXIT } from '../errors.js';
import type { EpochMetrics } from './trainer.js';

/** Temporary files are named `.<name>.tmp-<pid>`; a run folder's leftovers match this. */
export const TEMPORARY_FILE = /^\..+\.tmp-\d+$/;

function temporaryName(file: string): string {
  return join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
}

function cannotWrite(file: string, error: unknown): UserError {
  return new UserError(
    `${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? error})`,
    EXIT.input,
  );
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

/** metrics.json and metrics.csv, to be written together with an epoch's other files. */
export function metricsFiles(
  config: Record<string, unknown>,
  epochs: EpochMetrics[],
  extra: Record<string, unknown> = {},
): [string, string][] {
  return [
    ['metrics.json', JSON.stringify({ config, epochs, ...extra }, null, 2) + '\n'],
    ['metrics.csv', metricsCsv(epochs)],
  ];
}

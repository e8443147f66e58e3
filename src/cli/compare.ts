// `mnist-softmax compare RUN...`: runs overlaid in one self-contained page, seeds grouped.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import { compareHtml, compareRuns } from '../report/compare.js';
import { writeFileAtomic } from '../run/runFiles.js';
import { readRun } from '../run/runReader.js';
import { plural } from '../numbers.js';
import { columnsOf, wrap } from './format.js';

export interface CompareOptions {
  out?: string;
  force: boolean;
  json: boolean;
}

export const DEFAULT_COMPARE_FILE = 'compare.html';

export function compareCommand(folders: string[], options: CompareOptions): void {
  if (new Set(folders).size < folders.length) {
    throw new UsageError('compare: a run folder is named twice');
  }
  const runs = folders.map(readRun); // the inputs first: a wrong one is said before --out
  // with --json the page is written only where --out asks for it
  const out = options.out ?? (options.json ? undefined : DEFAULT_COMPARE_FILE);
  if (out && existsSync(out) && !options.force) {
    throw new UserError(`--out ${out}: already exists; pass --force to overwrite it`, EXIT.input);
  }
  const comparison = compareRuns(runs, out && dirname(resolve(out)));
  if (out) writeFileAtomic(out, compareHtml(comparison));
  if (options.json) {
    process.stdout.write(JSON.stringify(comparison) + '\n');
    return;
  }
  const groups = comparison.entries.filter((entry) => entry.runs.length > 1).length;
  const line =
    `${plural(folders.length, 'run')} compared` +
    (groups ? `, ${plural(groups, 'group')} of seeds` : '') +
    (comparison.differing.length ? `; they differ in ${comparison.differing.join(', ')}` : '') +
    `: ${out}`;
  console.log(wrap(line, columnsOf(process.stdout)));
}

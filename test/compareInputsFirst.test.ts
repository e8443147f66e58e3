// compare checks the runs it is given before its output: a folder that is not there is named
// even when --out already exists (without --force), and --out is refused only for good runs.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { compareCommand } from '../src/cli/compare.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import { temporaryFolder } from './helpers.js';

it('names a missing run folder before an existing --out', async () => {
  const root = temporaryFolder();
  const run = join(root, 'a');
  await startRun(
    { ...RUN_DEFAULTS, trainLimit: 2000, testLimit: 500, epochs: 1 },
    { out: run, threads: 1 },
  );
  const out = join(root, 'compare.html');
  writeFileSync(out, 'an earlier page');
  const nothere = join(root, 'nothere');
  const options = { out, force: false, json: false };
  expect(() => compareCommand([run, nothere], options)).toThrow(`${nothere}: no such run folder`);
  expect(() => compareCommand([run], options)).toThrow(`--out ${out}: already exists`);
  expect(readFileSync(out, 'utf8')).toBe('an earlier page');
});

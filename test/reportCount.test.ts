// The run's report writes its test set's size with grouped digits ("1,000 test images"), as the
// command line writes every count. A real run on 2000 training and 1000 test images.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import { temporaryFolder } from './helpers.js';

it('report.html groups the digits of its test set’s size', async () => {
  const out = join(temporaryFolder(), 'run');
  await startRun(
    { ...RUN_DEFAULTS, trainLimit: 2000, testLimit: 1000, epochs: 1 },
    { out, threads: 1 },
  );
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/, on 1,000 test images\./);
});

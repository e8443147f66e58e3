#!/usr/bin/env node
// L-BFGS against scikit-learn, in turn, in one session: the measurement behind the README's
// table (`--optimizer lbfgs`). This machine's speed drifts by tens of percent from minute to
// minute, so only a ratio of runs made side by side means anything.
//
//   node scripts/lbfgs-vs-sklearn.mjs [--data mnist|fashion] [--rounds 3]
//
// Each round runs `/usr/bin/python3 scripts/sklearn-logistic.py FOLDER` (LogisticRegression,
// lbfgs, C = 1, 200 iterations; Debian's python3-sklearn) and then `mnist-softmax train
// --optimizer lbfgs --weight-decay 1/60000` on the same folder, and prints both times (the run's
// training time, scikit-learn's fit), accuracies and their ratio; at the end, the median ratio.
// Needs `npm run build` (it runs bin/mnist-softmax.js).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { median, run, sideBySideArgs } from './sideBySide.mjs';

const { folder, rounds, data } = sideBySideArgs('lbfgs-vs-sklearn.mjs');

/** @param {string} command @param {string[]} args */
const json = (command, args) => JSON.parse(run(command, args));

const out = mkdtempSync(join(tmpdir(), 'lbfgs-vs-sklearn-'));
/** @type {number[]} */
const ratios = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const sklearn = json('/usr/bin/python3', ['scripts/sklearn-logistic.py', folder]);
    const ours = json(process.execPath, [
      'bin/mnist-softmax.js',
      'train',
      '--optimizer',
      'lbfgs',
      '--weight-decay',
      String(1 / 60000),
      '--data',
      folder,
      '--out',
      join(out, 'run'),
      '--force',
      '--json',
    ]);
    ratios.push(ours.seconds / sklearn.seconds);
    const percent = (/** @type {number} */ a) => `${(100 * a).toFixed(2)}%`;
    console.log(
      `round ${round}: mnist-softmax ${percent(ours.testAccuracy)} in ${ours.seconds.toFixed(2)} s, ` +
        `scikit-learn ${percent(sklearn.testAccuracy)} in ${sklearn.seconds.toFixed(1)} s: ` +
        `ratio ${ratios[ratios.length - 1].toFixed(3)}`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(`median ratio ${median(ratios).toFixed(3)} over ${ratios.length} rounds (${data})`);

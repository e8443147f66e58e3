#!/usr/bin/env node
// `mnist-softmax train` (its defaults: softmax regression, Adam, 5 epochs of batches of 100)
// against the same training written by hand in numpy (scripts/numpy-softmax.py), in turn, in one
// session: the minibatch rows of docs/performance.md's side-by-side table. This machine's speed
// drifts from minute to minute, so only runs made side by side are compared.
//
//   node scripts/numpy-vs-train.mjs [--data mnist|fashion] [--rounds 3] [--python /usr/bin/python3]
//
// Each round runs numpy-softmax.py, then `train --json`; it prints each one's median epoch (the
// training steps alone: metrics.jsonl's `seconds` for train) and test accuracy, and their ratio;
// at the end, the median ratio. Needs `npm run build` and numpy (Debian's python3-numpy).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { median, run, sideBySideArgs } from './sideBySide.mjs';

const { folder, rounds, data, values } = sideBySideArgs('numpy-vs-train.mjs', {
  python: '/usr/bin/python3',
});
const ms = (/** @type {number} */ seconds) => `${(1000 * seconds).toFixed(1)} ms`;
const percent = (/** @type {number} */ a) => `${(100 * a).toFixed(2)}%`;

const out = mkdtempSync(join(tmpdir(), 'numpy-vs-train-'));
/** @type {number[]} */
const ratios = [];
console.log(`load average ${loadavg()[0].toFixed(1)} at the start`);
try {
  for (let round = 1; round <= rounds; round++) {
    const numpy = JSON.parse(run(String(values.python), ['scripts/numpy-softmax.py', folder]));
    const numpyEpoch = median(numpy.epochSeconds);
    const runFolder = join(out, 'run');
    const ours = JSON.parse(
      run(process.execPath, [
        'bin/mnist-softmax.js',
        'train',
        '--data',
        folder,
        '--out',
        runFolder,
        '--force',
        '--json',
      ]),
    );
    const epochs = readFileSync(join(runFolder, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const oursEpoch = median(epochs.map((line) => JSON.parse(line).seconds));
    ratios.push(numpyEpoch / oursEpoch);
    console.log(
      `round ${round}: mnist-softmax ${percent(ours.testAccuracy)}, median epoch ${ms(oursEpoch)}; ` +
        `numpy ${percent(numpy.testAccuracy)}, median epoch ${ms(numpyEpoch)}: ` +
        `numpy / mnist-softmax ${ratios[ratios.length - 1].toFixed(1)}`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(
  `median ratio ${median(ratios).toFixed(1)} over ${ratios.length} rounds (${data}); ` +
    `load average ${loadavg()[0].toFixed(1)} at the end`,
);

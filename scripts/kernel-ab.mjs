#!/usr/bin/env node
// A/B of two builds of the wasm kernels, in one process, alternating, so that the machine's
// drift falls on both alike: the way changes to src/wasm/assembly are measured (docs/engine.md).
//
//   cp dist/wasm/kernels.wasm /tmp/a.wasm          # before the change
//   npm run build:wasm && cp dist/wasm/kernels.wasm /tmp/b.wasm
//   node scripts/kernel-ab.mjs /tmp/a.wasm /tmp/b.wasm [--hidden 256] [--rounds 5] [--threads 2]
//
// Each round trains one epoch of softmax regression (or of 784-HIDDEN-10 with BatchNorm and
// Adam) on MNIST with each build, in alternating order, after a warm-up epoch each; it prints
// the median ms per epoch of each and their ratio, in wall time and in the process's CPU time
// (on a loaded machine, with --threads 1, CPU time is the steadier of the two: waiting for a
// core is not counted). Needs `npm run build` (it runs dist/).

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';
import { loadDataset, resolveDataSource } from '../dist/data/dataset.js';
import { buildNetwork, MNIST_INPUT } from '../dist/model/network.js';
import { Random } from '../dist/random.js';
import { OPTIMIZER_DEFAULTS } from '../dist/train/optimizers.js';
import { train } from '../dist/train/trainer.js';
import { WasmEngine } from '../dist/wasm/engine.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hidden: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
  },
});
if (positionals.length !== 2) {
  console.error('usage: node scripts/kernel-ab.mjs A.wasm B.wasm [--hidden N] [--rounds N]');
  process.exit(2);
}
const hidden = Number(values.hidden);
/** @type {import('../dist/model/network.js').Architecture} */
const architecture = hidden
  ? { hidden: [hidden], activation: 'relu', batchnorm: true, init: 'auto' }
  : { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' };
/** @type {import('../dist/train/trainer.js').TrainConfig} */
const config = {
  epochs: 1,
  batchSize: 100,
  learningRate: hidden ? 0.001 : 0.5,
  seed: 1,
  shuffle: true,
  optimizer: { ...OPTIMIZER_DEFAULTS, name: hidden ? 'adam' : 'sgd' },
  evaluateEachEpoch: false,
  logEvery: 0,
};
const data = await loadDataset(resolveDataSource('mnist'));

/**
 * ms of one epoch on a fresh engine from `file` (after one untimed epoch), wall and CPU.
 * @param {string} file
 * @returns {Promise<[number, number]>}
 */
async function epoch(file) {
  const engine = new WasmEngine(Number(values.threads), new URL(file, `file://${process.cwd()}/`));
  try {
    const network = buildNetwork(MNIST_INPUT, data.classes, architecture, new Random(1), engine);
    await train(network, data, config);
    const started = performance.now();
    const cpu = process.cpuUsage();
    await train(network, data, config);
    const { user, system } = process.cpuUsage(cpu);
    return [performance.now() - started, (user + system) / 1000];
  } finally {
    engine.close();
  }
}

const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = positionals.map(() => /** @type {number[]} */ ([]));
const cpuTimes = positionals.map(() => /** @type {number[]} */ ([]));
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 ? [1, 0] : [0, 1];
  for (const which of order) {
    const [wall, cpu] = await epoch(positionals[which]);
    times[which].push(wall);
    cpuTimes[which].push(cpu);
  }
}
const list = (/** @type {number[]} */ xs) => xs.map((t) => t.toFixed(1)).join(', ');
positionals.forEach((file, i) => {
  console.log(`${file}: median ${median(times[i]).toFixed(1)} ms/epoch (${list(times[i])})`);
  console.log(`  CPU: median ${median(cpuTimes[i]).toFixed(1)} ms/epoch (${list(cpuTimes[i])})`);
});
const ratio = (/** @type {number[][]} */ [a, b]) => (median(b) / median(a)).toFixed(3);
console.log(`B / A = ${ratio(times)} (wall), ${ratio(cpuTimes)} (CPU)`);

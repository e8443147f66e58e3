#!/usr/bin/env node
// A/B of two builds of the wasm engine, in one process, alternating, so that the machine's
// drift falls on both alike: the way changes to src/wasm are measured (docs/engine.md). A build
// is a kernels file (run by this worktree's dist/, so it must export the kernels that dist
// calls, as they are called) or a whole dist folder (its engine, kernel table and kernels: for
// changes beyond src/wasm/assembly).
//
//   cp dist/wasm/kernels.wasm /tmp/a.wasm          # before the change
//   npm run build:wasm && cp dist/wasm/kernels.wasm /tmp/b.wasm
//   node scripts/kernel-ab.mjs /tmp/a.wasm /tmp/b.wasm [--hidden 256] [--rounds 3] [--threads 2]
//   node scripts/kernel-ab.mjs ../main/dist dist --hidden 256      # two dist folders
//
// Each round trains softmax regression with SGD (or 784-HIDDEN-10 with BatchNorm and Adam; or
// with --optimizer) on MNIST with each build, in alternating order, as `bench` does: on a fresh
// engine, 60 untimed warm-up steps, then EPOCHS epochs in one run. It prints the median ms per
// epoch of each build over all rounds and their ratio, in wall time and in the process's CPU
// time per epoch (on a loaded machine, with --threads 1, CPU time is the steadier of the two:
// waiting for a core is not counted).

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hidden: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    optimizer: { type: 'string' },
  },
});
if (positionals.length !== 2) {
  console.error(
    'usage: node scripts/kernel-ab.mjs A B [--hidden N] [--rounds N] [--epochs N] [--threads N] [--optimizer NAME]\n' +
      '  A, B: kernels.wasm files, or dist folders',
  );
  process.exit(2);
}
const hidden = Number(values.hidden);
const epochs = Number(values.epochs);

/**
 * The modules a build trains with, and the kernels file it runs (null: its own).
 * @param {string} build
 */
async function load(build) {
  const wasm = build.endsWith('.wasm');
  const dist = pathToFileURL(
    wasm ? fileURLToPath(new URL('../dist', import.meta.url)) : resolve(build),
  );
  const from = (/** @type {string} */ path) => import(`${dist.href}/${path}`);
  return {
    kernels: wasm ? pathToFileURL(resolve(build)) : null,
    dataset: await from('data/dataset.js'),
    network: await from('model/network.js'),
    random: await from('random.js'),
    optimizers: await from('train/optimizers.js'),
    trainer: await from('train/trainer.js'),
    engine: await from('wasm/engine.js'),
  };
}

/** @typedef {Awaited<ReturnType<typeof load>>} Build */

/**
 * Median ms per epoch (wall) and CPU ms per epoch of `epochs` epochs on a fresh engine.
 * @param {Build} build
 * @param {{ classes: string[] }} data
 * @returns {Promise<[number, number]>}
 */
async function time(build, data) {
  const { WasmEngine } = build.engine;
  const engine = new WasmEngine(Number(values.threads), build.kernels ?? 'exact');
  try {
    const architecture = hidden
      ? { hidden: [hidden], activation: 'relu', batchnorm: true, init: 'auto' }
      : { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' };
    const config = {
      epochs,
      batchSize: 100,
      learningRate: hidden ? 0.001 : values.optimizer === 'adam' ? 0.005 : 0.5,
      seed: 1,
      shuffle: true,
      optimizer: {
        ...build.optimizers.OPTIMIZER_DEFAULTS,
        name: values.optimizer ?? (hidden ? 'adam' : 'sgd'),
      },
      evaluateEachEpoch: false,
      logEvery: 0,
    };
    const { buildNetwork, MNIST_INPUT } = build.network;
    const network = () =>
      buildNetwork(MNIST_INPUT, data.classes, architecture, new build.random.Random(1), engine);
    await build.trainer.train(network(), data, { ...config, steps: 60 });
    const trained = network();
    const cpu = process.cpuUsage();
    const history = await build.trainer.train(trained, data, config);
    const { user, system } = process.cpuUsage(cpu);
    const walls = history.map((/** @type {{seconds: number}} */ e) => e.seconds * 1000);
    return [median(walls), (user + system) / 1000 / epochs];
  } finally {
    engine.close();
  }
}

const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const builds = await Promise.all(positionals.map(load));
const data = await builds[0].dataset.loadDataset(builds[0].dataset.resolveDataSource('mnist'));
const times = positionals.map(() => /** @type {number[]} */ ([]));
const cpuTimes = positionals.map(() => /** @type {number[]} */ ([]));
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 ? [1, 0] : [0, 1];
  for (const which of order) {
    const [wall, cpu] = await time(builds[which], data);
    times[which].push(wall);
    cpuTimes[which].push(cpu);
  }
}
const list = (/** @type {number[]} */ xs) => xs.map((t) => t.toFixed(1)).join(', ');
positionals.forEach((build, i) => {
  console.log(`${build}: median ${median(times[i]).toFixed(1)} ms/epoch (${list(times[i])})`);
  console.log(`  CPU: median ${median(cpuTimes[i]).toFixed(1)} ms/epoch (${list(cpuTimes[i])})`);
});
const ratio = (/** @type {number[][]} */ [a, b]) => (median(b) / median(a)).toFixed(3);
console.log(`B / A = ${ratio(times)} (wall), ${ratio(cpuTimes)} (CPU)`);

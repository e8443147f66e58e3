#!/usr/bin/env node
// Softmax regression's training step, phase by phase, for one dist folder or two in one process:
// the engine calls a step makes (forward, fused softmax cross-entropy, backward, Adam on W, then
// Adam on b and the gradient norm), each timed, on MNIST batches of 100 in a shuffled order,
// alternating blocks of 100 steps between the builds. Prints each phase's 10th, 25th and 50th
// percentile in µs per step: on a loaded machine the low percentiles are the steps that ran
// undisturbed, where an epoch's mean is mostly the machine's stalls (docs/engine.md).
//
//   node scripts/step-phases.mjs A/dist [B/dist] [--threads 2] [--blocks 20] [--kernels exact]
//
// A build is a whole dist folder (its engine, kernel table and kernels); --kernels relaxed runs
// them with their relaxed build (Node 22 and later). Two builds compare fairly on one thread
// only: with more, each engine's workers spin for 10 ms after its last kernel, through the other
// build's block, and take a core from it (a build that shares the step among threads measured
// 68 µs a step at p10 in a pair, 54–57 alone, 2026-12-07): run one build per process then.

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '2' },
    blocks: { type: 'string', default: '20' },
    kernels: { type: 'string', default: 'exact' },
  },
});
if (positionals.length < 1 || positionals.length > 2) {
  console.error(
    'usage: node scripts/step-phases.mjs A/dist [B/dist] [--threads N] [--blocks N] [--kernels exact|relaxed]',
  );
  process.exit(2);
}
const BATCH = 100;
const [INPUTS, CLASSES] = [784, 10];
const PHASES = ['forward', 'loss', 'backward', 'adam W', 'the rest', 'step'];

/**
 * A build's engine, parameters and batches, and the function that runs `count` steps and gives
 * each step's phases in ms.
 * @param {string} dist
 */
async function setUp(dist) {
  const from = (/** @type {string} */ path) =>
    import(`${pathToFileURL(resolve(dist)).href}/${path}`);
  const { WasmEngine } = await from('wasm/engine.js');
  const { loadDataset, resolveDataSource } = await from('data/dataset.js');
  const { MNIST_INPUT } = await from('model/network.js');
  const { Random } = await from('random.js');
  const data = await loadDataset(resolveDataSource('mnist'));
  const engine = new WasmEngine(Number(values.threads), values.kernels);
  const source = engine.batches(MNIST_INPUT, data.train, BATCH);
  const order = new Uint32Array(data.train.count).map((_, n) => n);
  new Random(1).shuffle(order);
  source.startEpoch(order);
  const floats = (/** @type {number} */ n) => engine.allocate(n);
  const [W, dW, mW, vW] = [0, 0, 0, 0].map(() => floats(INPUTS * CLASSES));
  const [b, db, mb, vb] = [0, 0, 0, 0].map(() => floats(CLASSES));
  const [logits, dlogits] = [floats(BATCH * CLASSES), floats(BATCH * CLASSES)];
  const losses = engine.memory.doubles(BATCH);
  const predicted = engine.allocateBytes(BATCH);
  const adam = [0.005, 0, 0.9, 0.999, 1e-7, 0.1, 0.01];
  const batches = data.train.count / BATCH;
  let step = 0;
  return (/** @type {number} */ count) => {
    const steps = [];
    for (let s = 0; s < count; s++, step++) {
      const { input, labels } = source.batch((step % batches) * BATCH, BATCH);
      const t = [performance.now()];
      engine.denseForward(logits, input, W, b, BATCH, INPUTS, CLASSES, true);
      t.push(performance.now());
      engine.softmaxCrossEntropy(losses, dlogits, predicted, logits, labels, BATCH, CLASSES, 0.01);
      t.push(performance.now());
      engine.denseBackward(null, dW, db, dlogits, input, W, BATCH, INPUTS, CLASSES);
      t.push(performance.now());
      engine.adamStep(W, dW, mW, vW, ...adam);
      t.push(performance.now());
      engine.adamStep(b, db, mb, vb, ...adam);
      engine.sumOfSquares(dW);
      t.push(performance.now());
      steps.push([...t.slice(1).map((time, i) => time - t[i]), t[t.length - 1] - t[0]]);
    }
    return steps;
  };
}

const builds = [];
for (const dist of positionals) builds.push(await setUp(dist));
await sleep(300); // the worker threads started: until then the main thread runs every block
for (const run of builds) run(300); // warm-up: the kernels compiled by the optimising tier
const steps = positionals.map(() => /** @type {number[][]} */ ([]));
for (let block = 0; block < Number(values.blocks); block++) {
  const order = builds.map((_, which) => which);
  if (block % 2) order.reverse();
  for (const which of order) steps[which].push(...builds[which](100));
}
const percentile = (/** @type {number[]} */ xs, /** @type {number} */ q) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] * 1000;
positionals.forEach((dist, which) => {
  const phases = PHASES.map((name, i) => {
    const times = steps[which].map((phases) => phases[i]);
    return `${name} ${[0.1, 0.25, 0.5].map((q) => percentile(times, q).toFixed(1)).join('/')}`;
  });
  console.log(`${dist}: µs per step, p10/p25/p50: ${phases.join(', ')}`);
});
process.exit(0); // the engines' worker threads

// `mnist-softmax bench`: the wasm engine, the reference engine and tfjs, in one process, on the
// same data and the same batches, for softmax regression and for the 784-256-10 MLP with
// BatchNorm and Adam.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LEARNING_RATES } from '../run/options.js';
import { defaultLogEvery } from '../run/optionRules.js';
import { EventLog } from '../run/eventLog.js';
import { loadDataset, resolveDataSource, type Dataset } from '../data/dataset.js';
import { Dense } from '../model/layers.js';
import { buildNetwork, MNIST_INPUT, type Architecture, type Network } from '../model/network.js';
import { Random } from '../random.js';
import type { Batch } from '../model/batches.js';
import { OPTIMIZER_DEFAULTS, type OptimizerName } from '../train/optimizers.js';
import type { StepLog } from '../train/records.js';
import { train } from '../train/trainer.js';
import { createEngine, kernelsOf, type EngineName } from '../wasm/engine.js';
import { resolveKernels, type KernelChoice } from '../wasm/kernelChoice.js';
import { measurePeak } from '../wasm/peak.js';
import { table } from './format.js';

export interface BenchOptions {
  epochs: number;
  tfjsBatches: number;
  json: boolean;
  data?: string;
  threads: number;
  kernels: KernelChoice;
  trainLimit?: number;
}

interface Measurement {
  msPerEpoch: number;
  samplesPerSecond: number;
  gflops: number;
  peakRssMB: number;
  /** How the figure was obtained. */
  method: string;
  /**
   * The arithmetic done, in GFLOP/s: the first layer's forward and weight gradient counted by
   * the images' nonzero pixels, which is what the sparse kernels compute (wasm only).
   */
  usefulGflops?: number;
  /** usefulGflops over the measured peak (wasm only). */
  ofPeak?: number;
}

interface Workload {
  name: 'softmax' | 'mlp';
  architecture: Architecture;
  optimizer: OptimizerName;
  learningRate: number;
}

const WORKLOADS: Workload[] = [
  {
    name: 'softmax',
    architecture: { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' },
    optimizer: 'sgd',
    learningRate: DEFAULT_LEARNING_RATES.sgd,
  },
  {
    name: 'mlp',
    architecture: { hidden: [256], activation: 'relu', batchnorm: true, init: 'auto' },
    optimizer: 'adam',
    learningRate: DEFAULT_LEARNING_RATES.adam,
  },
];

const BATCH_SIZE = 100;
/** Steps trained, untimed, before an engine's timed epochs (tfjs gets warm-up batches too). */
const WARM_UP_STEPS = 60;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Dense-equivalent floating-point operations per training sample, 2 per multiply-add: each
 * dense layer's forward, weight gradient, and (but for the first) input gradient.
 */
function flopsPerSample(network: Network): number {
  return network.layers
    .filter((layer) => layer instanceof Dense)
    .reduce(
      (sum, layer, index) => sum + 2 * layer.inputs * layer.outputs * (index === 0 ? 2 : 3),
      0,
    );
}

/**
 * Floating-point operations per training sample that the wasm engine does, 2 per multiply-add:
 * as flopsPerSample, but the first layer's forward and weight gradient on the sparse images
 * cost 2 per nonzero pixel and output, not per pixel.
 */
function sparseFlopsPerSample(network: Network, nonzerosPerSample: number): number {
  return network.layers
    .filter((layer) => layer instanceof Dense)
    .reduce(
      (sum, layer, index) =>
        sum +
        (index === 0
          ? 2 * nonzerosPerSample * layer.outputs * 2
          : 2 * layer.inputs * layer.outputs * 3),
      0,
    );
}

/** The mean count of nonzero pixels of an image of the split. */
function nonzerosPerImage(images: Uint8Array, count: number): number {
  let nonzeros = 0;
  for (let i = 0; i < images.length; i++) if (images[i] !== 0) nonzeros++;
  return nonzeros / count;
}

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function measurement(ms: number, samples: number, flops: number, method: string): Measurement {
  return {
    msPerEpoch: ms,
    samplesPerSecond: (samples / ms) * 1000,
    gflops: (flops * samples) / (ms * 1e6),
    peakRssMB: peakRssMB(),
    method,
  };
}

/**
 * The event log as `train` writes it by default (into a temporary folder), or none: the
 * difference is what logging costs.
 */
function eventLog(logged: boolean, data: Dataset) {
  if (!logged) return { hooks: {}, logEvery: 0, close: () => {} };
  const folder = mkdtempSync(join(tmpdir(), 'mnist-softmax-bench-'));
  const log = new EventLog(folder);
  log.start();
  return {
    hooks: { onLog: (line: StepLog) => log.add({ type: 'step', ...line }) },
    logEvery: defaultLogEvery(data.train.count, BATCH_SIZE),
    close: () => {
      log.flush();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function benchEngine(
  engineName: EngineName,
  workload: Workload,
  data: Dataset,
  epochs: number,
  threads: number,
  kernels: KernelChoice,
  logged = false,
): Promise<Measurement> {
  const engine = createEngine(engineName, threads, kernels);
  const input = { ...MNIST_INPUT, height: data.train.height, width: data.train.width };
  const config = {
    epochs,
    batchSize: BATCH_SIZE,
    learningRate: workload.learningRate,
    seed: 1,
    shuffle: true,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: workload.optimizer },
    evaluateEachEpoch: false,
  };
  // a warm-up on a network of its own: the JIT compilers and the threads get going first
  const build = () =>
    buildNetwork(input, data.classes, workload.architecture, new Random(1), engine);
  await train(build(), data, { ...config, steps: WARM_UP_STEPS });
  const network = build();
  const log = eventLog(logged, data);
  const history = await train(network, data, { ...config, logEvery: log.logEvery }, log.hooks);
  log.close();
  engine.close();
  const ms = median(history.map((epoch) => epoch.seconds * 1000));
  const method =
    `median of ${epochs} epochs after ${WARM_UP_STEPS} warm-up steps` +
    (engineName === 'wasm' ? `, ${threads} threads, ${kernelsOf(engine)} kernels` : '') +
    (logged ? `, events.jsonl every ${log.logEvery} steps` : '');
  const result = measurement(ms, data.train.count, flopsPerSample(network), method);
  if (engineName !== 'wasm') return result;
  const nonzeros = nonzerosPerImage(data.train.images, data.train.count);
  const useful = sparseFlopsPerSample(network, nonzeros) * data.train.count;
  return { ...result, usefulGflops: useful / (ms * 1e6) };
}

async function benchTfjs(
  workload: Workload,
  data: Dataset,
  batchCount: number,
): Promise<{ perBatch: Measurement; fit: Measurement; backend: string }> {
  const { loadTfjs } = await import('../check/tfjs.js');
  const { buildTfjsModel, timeTfjsBatches, timeTfjsFit } = await import('../check/tfjsBench.js');
  const { tf, backend } = await loadTfjs();
  const inputSize = data.train.height * data.train.width;
  const classes = data.classes.length;
  const spec = {
    inputSize,
    classes,
    hidden: workload.architecture.hidden[0] ?? 0,
    optimizer: workload.optimizer === 'adam' ? ('adam' as const) : ('sgd' as const),
    learningRate: workload.learningRate,
  };
  const model = buildTfjsModel(tf, spec);
  // the same shuffled batches as ours, densified as a tfjs user would feed them
  const reference = createEngine('reference');
  const source = reference.batches(MNIST_INPUT, data.train, BATCH_SIZE);
  const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
  new Random(1).shuffle(order);
  source.startEpoch(order);
  const batchesPerEpoch = Math.ceil(data.train.count / BATCH_SIZE);
  const count = Math.min(batchCount, batchesPerEpoch);
  const batches: Batch[] = [];
  for (let b = 0; b < count; b++) {
    const batch = source.batch(b * BATCH_SIZE, BATCH_SIZE);
    const x = batch.dense().slice();
    const labels = batch.labels.slice();
    batches.push({ input: x, labels, size: batch.size, dense: () => x });
  }
  await timeTfjsBatches(tf, model, batches.slice(0, 3), inputSize, classes); // warm up
  const times = await timeTfjsBatches(tf, model, batches, inputSize, classes);
  model.dispose();
  const flops = flopsPerSample(
    buildNetwork(MNIST_INPUT, data.classes, workload.architecture, new Random(1), reference),
  );
  const method =
    count === batchesPerEpoch
      ? `median batch of an epoch × ${batchesPerEpoch}`
      : `median of ${count} batches × ${batchesPerEpoch} batches per epoch`;
  const perBatch = measurement(median(times) * batchesPerEpoch, data.train.count, flops, method);

  const fitModel = buildTfjsModel(tf, spec);
  // warmed up as the per-batch model is: a first call's costs must not be multiplied by the
  // extrapolation to an epoch
  await timeTfjsFit(tf, fitModel, batches.slice(0, 3), inputSize, classes, BATCH_SIZE);
  const fitMs = await timeTfjsFit(tf, fitModel, batches, inputSize, classes, BATCH_SIZE);
  fitModel.dispose();
  const fitMethod =
    count === batchesPerEpoch
      ? 'one epoch of model.fit'
      : `model.fit over ${count} batches × ${(batchesPerEpoch / count).toFixed(1)}`;
  const fit = measurement((fitMs * batchesPerEpoch) / count, data.train.count, flops, fitMethod);
  return { perBatch, fit, backend };
}

export async function benchCommand(options: BenchOptions): Promise<void> {
  const source = resolveDataSource(options.data);
  const loadStarted = performance.now();
  const data = await loadDataset(source, { trainLimit: options.trainLimit, testLimit: 1 });
  const loadMs = performance.now() - loadStarted;
  const results: Record<string, Record<string, Measurement>> = {};
  let backend = '';
  const kernels = resolveKernels(options.kernels);
  console.error(`bench: the peak of ${options.threads} threads at 128-bit SIMD …`);
  const peak = measurePeak(options.threads, kernels);
  for (const workload of WORKLOADS) {
    console.error(`bench ${workload.name}: wasm, reference, tfjs …`);
    const wasm = await benchEngine(
      'wasm',
      workload,
      data,
      options.epochs,
      options.threads,
      kernels,
    );
    wasm.ofPeak = wasm.usefulGflops! / peak.gflops;
    const wasmLogged = await benchEngine(
      'wasm',
      workload,
      data,
      options.epochs,
      options.threads,
      kernels,
      true,
    );
    const reference = await benchEngine('reference', workload, data, options.epochs, 1, 'exact');
    const tfjs = await benchTfjs(workload, data, options.tfjsBatches);
    backend = tfjs.backend;
    results[workload.name] = {
      wasm,
      wasmLogged,
      reference,
      tfjs: tfjs.perBatch,
      tfjsFit: tfjs.fit,
    };
  }

  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        ...results,
        tfjsBackend: backend,
        peak,
        loadMs,
        peakRssMB: peakRssMB(),
        speedups: Object.fromEntries(
          Object.entries(results).map(([name, r]) => [
            name,
            {
              wasmOverTfjs: r.tfjs.msPerEpoch / r.wasm.msPerEpoch,
              wasmOverTfjsFit: r.tfjsFit.msPerEpoch / r.wasm.msPerEpoch,
              wasmOverReference: r.reference.msPerEpoch / r.wasm.msPerEpoch,
              loggingCost: r.wasmLogged.msPerEpoch / r.wasm.msPerEpoch - 1,
            },
          ]),
        ),
      }) + '\n',
    );
    return;
  }
  console.log(
    `${source.name}: ${data.train.count} training images, batch ${BATCH_SIZE}, loaded in ` +
      `${loadMs.toFixed(0)} ms; tfjs: ${backend}\n`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      name === 'softmax' ? 'softmax regression (SGD 0.5)' : '784-256-10 MLP, BatchNorm, ReLU, Adam',
    );
    console.log(
      table(
        [
          ['implementation', 'ms/epoch', 'samples/s', 'GFLOP/s', 'wasm speed-up', 'how'],
          ...Object.entries(r).map(([implementation, m]) => [
            implementation,
            m.msPerEpoch.toFixed(1),
            Math.round(m.samplesPerSecond).toString(),
            m.gflops.toFixed(2),
            implementation === 'wasm' ? '' : `${(m.msPerEpoch / r.wasm.msPerEpoch).toFixed(1)}×`,
            m.method,
          ]),
        ],
        true,
        [5],
      ),
    );
    const { usefulGflops, ofPeak } = r.wasm;
    console.log(
      `wasm: ${usefulGflops!.toFixed(2)} GFLOP/s of arithmetic done (the sparse first layer ` +
        `counted by its nonzero pixels): ${(100 * ofPeak!).toFixed(1)}% of the peak\n`,
    );
  }
  console.log(
    `peak at 128-bit SIMD, ${peak.kernels} kernels: ${peak.gflops.toFixed(1)} GFLOP/s on ` +
      `${peak.threads} threads, ${peak.oneThreadGflops.toFixed(1)} on one (${peak.method}; ` +
      `as loaded as the machine is now)`,
  );
  console.log(`peak RSS ${peakRssMB().toFixed(0)} MB`);
}

// The static studio's training worker: the project's training loop (train/trainer.ts) on the
// wasm engine, with the same kernels.wasm as the command line, on threads of its own where the
// page is cross-origin isolated, one thread otherwise (threads.ts). It loads
// the data that `studio --static` wrote beside it, trains on what the page asks, posts each
// step log and epoch back, lays open each step taken by Step (train/batchInside.ts, as the
// studio's runs do), and answers the drawing canvas with the trained network.

import { baseRateSource } from '../check/explain.js';
import type { Dataset, Split } from '../data/dataset.js';
import { InterruptedError } from '../errors.js';
import { serializeModel } from '../model/modelFile.js';
import { buildNetwork, MNIST_INPUT, type Network } from '../model/network.js';
import { Random } from '../random.js';
import { steppedBatch } from '../train/batchInside.js';
import { OPTIMIZER_DEFAULTS } from '../train/optimizers.js';
import { train, type TrainConfig } from '../train/trainer.js';
import { KERNEL_FILES } from '../wasm/kernelChoice.js';
import { provideKernelsModule } from '../wasm/kernels.js';
import { StepCopies, type RunNow } from './stepCopies.js';
import {
  STATIC_FILES,
  type FromWorker,
  type StaticDataInfo,
  type StaticRunOptions,
  type ToWorker,
} from './protocol.js';
import { staticEngine } from './threads.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: { data: ToWorker }) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

// the trainer lets messages in with setImmediate, which browsers lack: a message to itself is
// the quickest turn of the event loop (setTimeout waits at least 4 ms once nested)
if (typeof (globalThis as { setImmediate?: unknown }).setImmediate !== 'function') {
  // the browser's MessagePort (Node.js's types name only its own)
  const channel = new MessageChannel() as unknown as {
    port1: { onmessage: () => void };
    port2: { postMessage(message: unknown): void };
  };
  const queue: (() => void)[] = [];
  channel.port1.onmessage = () => queue.shift()?.();
  (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate = (f) => {
    queue.push(f);
    channel.port2.postMessage(0);
  };
}

/** WebAssembly.compile (its type is missing from @types/node 20). */
const { compile } = WebAssembly as unknown as {
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
};

const post = (message: FromWorker) => scope.postMessage(message);

async function bytes(file: string): Promise<Uint8Array> {
  const response = await fetch(new URL(file, import.meta.url));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

interface Loaded {
  info: StaticDataInfo;
  data: Dataset;
}

let loading: Promise<Loaded> | null = null;

/** The data and the kernels, fetched once from beside this script. */
function load(): Promise<Loaded> {
  loading ??= (async () => {
    const [infoBytes, kernels, trainImages, trainLabels, testImages, testLabels] =
      await Promise.all([
        bytes(STATIC_FILES.info),
        bytes(STATIC_FILES.kernels),
        bytes(STATIC_FILES.trainImages),
        bytes(STATIC_FILES.trainLabels),
        bytes(STATIC_FILES.testImages),
        bytes(STATIC_FILES.testLabels),
      ]);
    const info = JSON.parse(new TextDecoder().decode(infoBytes)) as StaticDataInfo;
    provideKernelsModule(KERNEL_FILES.exact, await compile(kernels));
    const split = (images: Uint8Array, labels: Uint8Array): Split => ({
      images,
      labels,
      count: labels.length,
      height: info.height,
      width: info.width,
    });
    const data: Dataset = {
      name: info.name,
      folder: '.',
      classes: info.classes,
      train: split(trainImages, trainLabels),
      test: split(testImages, testLabels),
    };
    return { info, data };
  })();
  return loading;
}

/** The run in progress or the last one: its network classifies the drawings. */
let network: Network | null = null;
/** That run's options and the steps it has taken (for the step view). */
let runOptions: StaticRunOptions | null = null;
let stepsTaken = 0;
let running = false;
let stopping = false;
let paused = false;
/** Steps to run before pausing again (`step`). */
let stepsLeft = 0;
let wake: (() => void) | null = null;
/** A learning rate set while the run trains: every step from the next on takes it. */
let manualRate: number | null = null;

async function run(options: StaticRunOptions): Promise<void> {
  const { info, data } = await load();
  const { engine, threads } = await staticEngine();
  post({
    type: 'ready',
    engine: engine.name,
    threads,
    trainCount: data.train.count,
    testCount: data.test.count,
  });
  const architecture = {
    hidden: options.hidden,
    activation: options.activation ?? 'relu',
    batchnorm: options.batchnorm ?? false,
    init: options.init ?? 'auto',
  };
  const trained = buildNetwork(
    MNIST_INPUT,
    info.classes,
    architecture,
    new Random(options.seed),
    engine,
  );
  network = trained;
  runOptions = options;
  stepsTaken = 0;
  const config: TrainConfig = {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    seed: options.seed,
    shuffle: true,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: options.optimizer },
    loss: options.loss,
    schedule: options.schedule,
    steps: options.steps,
    logEvery: options.logEvery ?? 20,
  };
  const training: Record<string, unknown> = {
    source: 'studio --static',
    engine: engine.name,
    ...options,
    trainCount: data.train.count,
  };
  const modelData = {
    source: 'mnist',
    name: info.name,
    testCount: info.testCount,
    testFingerprint: info.testFingerprint,
  };
  let model: string | null = null;
  manualRate = null;
  try {
    await train(trained, data, config, {
      beforeBatch: (_step, scheduled) => manualRate ?? scheduled,
      // the batch Step lets go is laid open for the page's batch view
      inspect: () => stepsLeft > 0,
      onInside: (inside) => post({ type: 'inside', record: steppedBatch(inside) }),
      onLog: (log) => post({ type: 'log', log }),
      afterBatch: async (_batch, progress) => {
        stepsTaken = progress.step;
        if (stepsLeft > 0 && --stepsLeft === 0) paused = true;
        if (!paused || stopping) return;
        post({ type: 'paused', step: progress.step });
        await new Promise<void>((resolve) => (wake = resolve));
      },
      afterEpoch: (metrics) => {
        model = serializeModel(
          trained,
          { ...training, epochsRun: metrics.epoch, final: metrics },
          modelData,
        );
        post({ type: 'epoch', metrics });
      },
      shouldStop: () => stopping,
    });
    post({ type: 'end', status: 'finished', model, steps: stepsTaken });
  } catch (error) {
    const stopped = error instanceof InterruptedError;
    post({
      type: 'end',
      status: stopped ? 'stopped' : 'failed',
      message: stopped ? undefined : String((error as Error).message ?? error),
      model,
      steps: stepsTaken,
    });
  } finally {
    paused = false;
    stepsLeft = 0;
  }
}

/** The run as the step view copies it, if there has been one. */
function runNow(): RunNow | null {
  if (!network || !runOptions) return null;
  const { learningRate, optimizer, schedule, loss } = runOptions;
  return {
    network,
    step: stepsTaken,
    learningRate: manualRate ?? learningRate,
    learningRateSource:
      manualRate === null
        ? baseRateSource(optimizer, schedule, '“Learning rate”')
        : `the rate set by hand on this page; it trains with ${optimizer}`,
    loss: loss ?? 'cross-entropy',
  };
}

let stepCopies: StepCopies | null = null;

function release(): void {
  const resolve = wake;
  wake = null;
  resolve?.();
}

scope.onmessage = ({ data: message }) => {
  switch (message.type) {
    case 'start':
      if (running) return;
      // running from now on: a stop while the data and kernels load ends it at its first step
      running = true;
      stopping = false;
      void run(message.options)
        .catch((error: Error) => post({ type: 'error', message: error.message }))
        .finally(() => {
          running = false;
        });
      return;
    case 'pause':
      paused = true;
      return;
    case 'resume':
      paused = false;
      stepsLeft = 0;
      release();
      return;
    case 'step':
      paused = false;
      stepsLeft = 1;
      release();
      return;
    case 'learningRate':
      if (running) manualRate = message.value;
      return;
    case 'stop':
      stopping = true;
      release();
      return;
    case 'classify': {
      if (!network) return;
      const { probabilities, predicted } = network.classify(Uint8Array.from(message.pixels), 1);
      post({
        type: 'prediction',
        label: network.classes[predicted[0]],
        probabilities: Array.from(probabilities),
      });
      return;
    }
    case 'explain':
    case 'explainStep':
      void load().then(({ data }) => {
        stepCopies ??= new StepCopies(data.test);
        post(stepCopies.answer(message, runNow()));
      });
      return;
  }
};

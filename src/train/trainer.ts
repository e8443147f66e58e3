// The training loop: shuffle, batch, forward, loss, backward, update; evaluate after each epoch.

import type { Dataset } from '../data/dataset.js';
import type { Network } from '../model/network.js';
import {
  crossEntropyForward,
  softmaxCrossEntropyBackward,
  softmaxForward,
} from '../model/softmax.js';
import { argmax } from '../model/tensor.js';
import { Random } from '../random.js';
import { createBatch, gatherBatch, type Batch } from './batches.js';
import { evaluate } from './evaluate.js';
import type { Optimizer } from './optimizers.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  shuffle: boolean;
  /** Stop after this many steps in all (TensorFlow's tutorial runs exactly 1000). */
  steps?: number;
  evalBatchSize?: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  steps: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

export interface TrainHooks {
  /** After each batch's update, with that batch (for a shadow model, progress bars). */
  afterBatch?(batch: Batch, progress: BatchProgress): void | Promise<void>;
  /** After each epoch's evaluation. */
  afterEpoch?(metrics: EpochMetrics): void | Promise<void>;
}

/** The number of epochs a configuration runs, counting a partial last one when `steps` is set. */
export function plannedEpochs(config: TrainConfig, trainCount: number): number {
  if (config.steps === undefined) return config.epochs;
  return Math.ceil(config.steps / Math.ceil(trainCount / config.batchSize));
}

export async function train(
  network: Network,
  data: Dataset,
  config: TrainConfig,
  optimizer: Optimizer,
  hooks: TrainHooks = {},
): Promise<EpochMetrics[]> {
  const { train: split } = data;
  const classes = network.classes.length;
  const random = new Random(config.seed);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const batch = createBatch(config.batchSize, network.inputSize);
  const losses = new Float64Array(config.batchSize);
  const probabilities = new Float32Array(config.batchSize * classes);
  const dlogits = new Float32Array(config.batchSize * classes);
  const parameters = network.parameters().map((p) => p.parameter);
  const batchesPerEpoch = Math.ceil(split.count / config.batchSize);
  const epochs = plannedEpochs(config, split.count);
  const history: EpochMetrics[] = [];
  let step = 0;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    if (config.shuffle) random.shuffle(order);
    const batches = Math.min(batchesPerEpoch, (config.steps ?? Infinity) - step);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;

    for (let b = 0; b < batches; b++) {
      const start = b * config.batchSize;
      const size = Math.min(config.batchSize, split.count - start);
      gatherBatch(batch, network, split, order, start, size);

      const logits = network.forward(batch.x, size, true);
      crossEntropyForward(losses, logits, batch.labels, size, classes);
      softmaxForward(probabilities, logits, size, classes);
      for (let n = 0; n < size; n++) {
        lossSum += losses[n];
        if (argmax(logits, n * classes, classes) === batch.labels[n]) correct++;
      }
      seen += size;

      network.zeroGradients();
      dlogits.fill(0);
      softmaxCrossEntropyBackward(dlogits, probabilities, batch.labels, size, classes, 1 / size);
      network.backward(dlogits, size);
      optimizer.step(parameters, config.learningRate);
      step++;

      await hooks.afterBatch?.(batch, {
        epoch,
        batch: b + 1,
        batches,
        loss: lossSum / seen,
        accuracy: correct / seen,
      });
    }

    const test = evaluate(network, data.test, config.evalBatchSize);
    const seconds = (performance.now() - started) / 1000;
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds,
      samplesPerSecond: seen / seconds,
      steps: step,
    };
    history.push(metrics);
    await hooks.afterEpoch?.(metrics);
  }
  return history;
}

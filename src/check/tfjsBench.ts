// The tfjs side of `bench`: the same models written as a tfjs user would (Layers API, fed one
// batch at a time with trainOnBatch, the same batches as ours), timed per batch.

import { BATCHNORM_EPSILON, BATCHNORM_MOMENTUM } from '../model/layers.js';
import type { Batch } from '../model/batches.js';
import { OPTIMIZER_DEFAULTS as adam } from '../train/optimizers.js';
import type { Tf } from './tfjs.js';

export interface TfjsModelSpec {
  inputSize: number;
  classes: number;
  /** Hidden layer width with BatchNorm and ReLU; 0 for softmax regression. */
  hidden: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
}

type LayersModel = ReturnType<Tf['sequential']>;

export function buildTfjsModel(tf: Tf, spec: TfjsModelSpec): LayersModel {
  const model = tf.sequential();
  if (spec.hidden > 0) {
    model.add(
      tf.layers.dense({ inputShape: [spec.inputSize], units: spec.hidden, useBias: false }),
    );
    model.add(
      tf.layers.batchNormalization({ momentum: BATCHNORM_MOMENTUM, epsilon: BATCHNORM_EPSILON }),
    );
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.dense({ units: spec.classes, activation: 'softmax' }));
  } else {
    model.add(
      tf.layers.dense({ inputShape: [spec.inputSize], units: spec.classes, activation: 'softmax' }),
    );
  }
  const optimizer =
    spec.optimizer === 'adam'
      ? tf.train.adam(spec.learningRate, adam.beta1, adam.beta2, adam.epsilon)
      : tf.train.sgd(spec.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

/** Trains on each batch in turn; returns the milliseconds each took (tensor building included). */
export async function timeTfjsBatches(
  tf: Tf,
  model: LayersModel,
  batches: Batch[],
  inputSize: number,
  classes: number,
): Promise<number[]> {
  const times: number[] = [];
  for (const batch of batches) {
    const started = performance.now();
    const x = tf.tensor2d(batch.dense().slice(), [batch.size, inputSize]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels.slice(), 'int32'), classes));
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * model.fit, as most tfjs users train: the batches' samples as one tensor, one epoch over them
 * in batches of `batchSize` (in their order: shuffle off, they are already shuffled).
 * Returns the milliseconds, tensor building included.
 */
export async function timeTfjsFit(
  tf: Tf,
  model: LayersModel,
  batches: Batch[],
  inputSize: number,
  classes: number,
  batchSize: number,
): Promise<number> {
  const started = performance.now();
  const count = batches.reduce((sum, b) => sum + b.size, 0);
  const x = new Float32Array(count * inputSize);
  const labels = new Int32Array(count);
  let at = 0;
  for (const batch of batches) {
    x.set(batch.dense(), at * inputSize);
    labels.set(batch.labels.subarray(0, batch.size), at);
    at += batch.size;
  }
  const xs = tf.tensor2d(x, [count, inputSize]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  await model.fit(xs, ys, { batchSize, epochs: 1, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  return performance.now() - started;
}

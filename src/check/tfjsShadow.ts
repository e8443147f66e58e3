// `train --check-tfjs`: the same network trained in TensorFlow.js beside the hand-written one,
// from the same initial weights, on the same batches in the same order, with the same loss and
// optimiser (tf.train.sgd / momentum / adam). After each epoch the two are compared, every
// parameter and every BatchNorm moving statistic.

import type { Layer } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { Batch } from '../model/batches.js';
import type { TrainConfig } from '../train/trainer.js';
import type { Oracle, Tf } from './tfjs.js';

type Variable = ReturnType<Tf['variable']>;
type Tensor = ReturnType<Tf['tensor']>;
type TfOptimizer = ReturnType<Tf['train']['sgd']> | ReturnType<Tf['train']['adam']>;

export interface ShadowEpoch {
  epoch: number;
  /** Largest |w_hand − w_tfjs| over every parameter and moving statistic of every layer. */
  maxAbsWeightDiff: number;
  /** |train loss by hand − train loss in tfjs| over the epoch's batches. */
  lossDiff: number;
  tfjsTrainLoss: number;
}

/** A layer of ours in tfjs: its trainable variables, the pairs to compare, its forward. */
interface ShadowLayer {
  variables: Variable[];
  compared: [Float32Array, Variable][];
  /** Weights that decay (dense weights). */
  decaying: Variable[];
  forward(x: Tensor): Tensor;
  /** After the step: move BatchNorm's statistics towards the batch's. */
  afterStep?(): void;
}

/** Largest weight drift after an epoch that `--check-tfjs` accepts. */
export const MAX_WEIGHT_DRIFT = 1e-3;

export class TfjsShadow {
  private readonly tf: Tf;
  private readonly layers: ShadowLayer[];
  private readonly optimizer: TfOptimizer;
  private learningRate: number;
  private lossSum = 0;
  private seen = 0;

  constructor(
    oracle: Oracle,
    private readonly network: Network,
    private readonly config: TrainConfig,
  ) {
    this.tf = oracle.tf;
    this.layers = network.layers.map((layer) => this.shadowOf(layer));
    this.learningRate = config.learningRate;
    this.optimizer = this.createOptimizer();
  }

  private createOptimizer(): TfOptimizer {
    const { tf, config } = this;
    const optimizer = config.optimizer ?? { name: 'sgd' };
    switch (optimizer.name) {
      case 'sgd':
        return tf.train.sgd(this.learningRate);
      case 'momentum':
        return tf.train.momentum(this.learningRate, config.optimizer!.momentum);
      case 'adam': {
        const { beta1, beta2, epsilon } = config.optimizer!;
        return tf.train.adam(this.learningRate, beta1, beta2, epsilon);
      }
    }
  }

  private setLearningRate(learningRate: number): void {
    if (learningRate === this.learningRate) return;
    this.learningRate = learningRate;
    const optimizer = this.optimizer as TfOptimizer & { setLearningRate?(rate: number): void };
    if (optimizer.setLearningRate) optimizer.setLearningRate(learningRate);
    // AdamOptimizer reads its (protected) learningRate field at every step
    else (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  }

  // tfjs keeps the typed array it is given: copies, or our updates would move its weights too.
  private variable(values: Float32Array, shape: number[], trainable = true): Variable {
    return this.tf.variable(this.tf.tensor(values.slice(), shape), trainable);
  }

  /**
   * The layer's tfjs counterpart, from its Keras description: a variable per weight (trained
   * where the layer trains it, decayed where it decays), and the math of its Keras class.
   */
  private shadowOf(layer: Layer): ShadowLayer {
    const { tf } = this;
    const { className, config, weights } = layer.keras();
    const parameters = layer.parameters();
    const parameterOf = (values: Float32Array) => parameters.find((p) => p.value === values);
    const all = weights.map(({ values, shape }) =>
      this.variable(values, shape, parameterOf(values) !== undefined),
    );
    const shadow = {
      variables: all.filter((_, i) => parameterOf(weights[i].values)),
      compared: weights.map(({ values }, i): [Float32Array, Variable] => [values, all[i]]),
      decaying: all.filter((_, i) => parameterOf(weights[i].values)?.decays),
    };
    switch (className) {
      case 'Dense': {
        const [W, b] = all;
        return { ...shadow, forward: (x) => tf.add(tf.matMul(x, W), b) };
      }
      case 'BatchNormalization': {
        const [gamma, beta, movingMean, movingVariance] = all;
        const epsilon = config.epsilon as number;
        const momentum = config.momentum as number;
        let batchMoments: Tensor[] = [];
        return {
          ...shadow,
          forward: (x) => {
            const { mean, variance } = tf.moments(x, 0);
            batchMoments = [tf.keep(mean), tf.keep(variance)];
            return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
          },
          afterStep: () => {
            const [mean, variance] = batchMoments;
            tf.tidy(() => {
              const m = momentum;
              movingMean.assign(tf.add(tf.mul(movingMean, m), tf.mul(mean, 1 - m)));
              movingVariance.assign(tf.add(tf.mul(movingVariance, m), tf.mul(variance, 1 - m)));
            });
            tf.dispose(batchMoments);
          },
        };
      }
      case 'Activation': {
        const name = config.activation as 'relu' | 'sigmoid' | 'tanh';
        const forward = { relu: tf.relu, sigmoid: tf.sigmoid, tanh: tf.tanh }[name];
        return { ...shadow, forward: (x) => forward(x) };
      }
    }
  }

  /** One step of the tfjs model on the batch the hand-written model just trained on. */
  step(batch: Batch, learningRate: number): void {
    const { tf, config } = this;
    this.setLearningRate(learningRate);
    const size = batch.size;
    const inputs = this.network.inputSize;
    const x = tf.tensor2d(batch.dense().slice(), [size, inputs]);
    const labels = tf.tidy(() =>
      tf.oneHot(tf.tensor1d(batch.labels.slice(0, size), 'int32'), this.network.classes.length),
    );
    let dataLoss: Tensor | null = null;
    const cost = this.optimizer.minimize(
      () =>
        tf.tidy(() => {
          const logits = this.layers.reduce<Tensor>((a, layer) => layer.forward(a), x);
          const loss =
            config.loss === 'mse'
              ? tf.losses.meanSquaredError(labels, tf.softmax(logits), undefined, tf.Reduction.MEAN)
              : tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.MEAN);
          dataLoss = tf.keep(loss.clone());
          // weight decay λ: the loss gains (λ/2) Σ W², the gradient λ W
          const decay = config.weightDecay ?? 0;
          const decaying = this.layers.flatMap((layer) => layer.decaying);
          if (decay === 0 || decaying.length === 0) return loss as ReturnType<Tf['scalar']>;
          const penalty = tf.addN(decaying.map((W) => tf.sum(tf.square(W))));
          return tf.add(loss, tf.mul(penalty, decay / 2)) as ReturnType<Tf['scalar']>;
        }),
      false,
      this.layers.flatMap((layer) => layer.variables),
    );
    for (const layer of this.layers) layer.afterStep?.();
    this.lossSum += (dataLoss as Tensor | null)!.dataSync()[0] * size;
    this.seen += size;
    tf.dispose([x, labels, dataLoss!, ...(cost ? [cost] : [])]);
  }

  /** Compares the two models after an epoch and starts the next epoch's loss. */
  endEpoch(epoch: number, handWrittenTrainLoss: number): ShadowEpoch {
    let maxAbsWeightDiff = 0;
    for (const layer of this.layers) {
      for (const [ours, variable] of layer.compared) {
        const theirs = variable.dataSync();
        for (let i = 0; i < ours.length; i++) {
          const difference = Math.abs(ours[i] - theirs[i]);
          // NaN never passes: it counts as an infinite difference
          maxAbsWeightDiff = Number.isNaN(difference)
            ? Infinity
            : Math.max(maxAbsWeightDiff, difference);
        }
      }
    }
    const tfjsTrainLoss = this.lossSum / this.seen;
    this.lossSum = 0;
    this.seen = 0;
    return {
      epoch,
      maxAbsWeightDiff,
      lossDiff: Math.abs(handWrittenTrainLoss - tfjsTrainLoss),
      tfjsTrainLoss,
    };
  }

  dispose(): void {
    for (const layer of this.layers) for (const [, variable] of layer.compared) variable.dispose();
    this.optimizer.dispose();
  }
}

// `train --check-tfjs`: the same network trained in TensorFlow.js beside the hand-written one,
// from the same initial weights, on the same batches in the same order, with the same optimiser.
// After each epoch the two are compared weight by weight.

import { Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { Batch } from '../train/batches.js';
import type { Oracle, Tf } from './tfjs.js';

type Variable = ReturnType<Tf['variable']>;
type Tensor = ReturnType<Tf['tensor']>;

export interface ShadowEpoch {
  epoch: number;
  /** Largest |w_hand − w_tfjs| over every parameter of every layer. */
  maxAbsWeightDiff: number;
  /** |train loss by hand − train loss in tfjs| over the epoch's batches. */
  lossDiff: number;
  tfjsTrainLoss: number;
}

/** What each layer of ours becomes in tfjs: its variables (in our parameters' order) and forward. */
interface ShadowLayer {
  variables: Variable[];
  forward(x: Tensor): Tensor;
}

export class TfjsShadow {
  private readonly tf: Tf;
  private readonly layers: ShadowLayer[];
  private readonly optimizer: ReturnType<Tf['train']['sgd']>;
  private lossSum = 0;
  private seen = 0;

  constructor(
    oracle: Oracle,
    private readonly network: Network,
    learningRate: number,
  ) {
    this.tf = oracle.tf;
    this.layers = network.layers.map((layer) => this.shadowOf(layer));
    this.optimizer = this.tf.train.sgd(learningRate);
  }

  private shadowOf(layer: Network['layers'][number]): ShadowLayer {
    const { tf } = this;
    if (layer instanceof Dense) {
      // tfjs keeps the typed array it is given: copies, or our updates would move its weights too
      const W = tf.variable(tf.tensor2d(layer.weights.slice(), [layer.inputs, layer.outputs]));
      const b = tf.variable(tf.tensor1d(layer.bias.slice()));
      return { variables: [W, b], forward: (x) => tf.add(tf.matMul(x, W), b) };
    }
    throw new Error(`--check-tfjs has no tfjs counterpart for layer type ${layer.type}`);
  }

  /** One step of the tfjs model on the batch the hand-written model just trained on. */
  step(batch: Batch): void {
    const { tf } = this;
    const size = batch.size;
    const inputs = this.network.inputSize;
    const x = tf.tensor2d(batch.x.slice(0, size * inputs), [size, inputs]);
    const labels = tf.tidy(() =>
      tf.oneHot(tf.tensor1d(batch.labels.slice(0, size), 'int32'), this.network.classes.length),
    );
    const cost = this.optimizer.minimize(
      () =>
        tf.tidy(() => {
          const logits = this.layers.reduce<Tensor>(
            (activations, layer) => layer.forward(activations),
            x,
          );
          return tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.MEAN);
        }),
      true,
    );
    if (!cost) throw new Error('tfjs optimizer returned no cost');
    this.lossSum += cost.dataSync()[0] * size;
    this.seen += size;
    tf.dispose([x, labels, cost]);
  }

  /** Compares the two models after an epoch and starts the next epoch's loss. */
  endEpoch(epoch: number, handWrittenTrainLoss: number): ShadowEpoch {
    let maxAbsWeightDiff = 0;
    this.network.layers.forEach((layer, l) => {
      layer.parameters().forEach((parameter, p) => {
        const theirs = this.layers[l].variables[p].dataSync();
        const ours = parameter.value;
        for (let i = 0; i < ours.length; i++) {
          const difference = Math.abs(ours[i] - theirs[i]);
          // NaN never passes: it counts as an infinite difference
          maxAbsWeightDiff = Number.isNaN(difference)
            ? Infinity
            : Math.max(maxAbsWeightDiff, difference);
        }
      });
    });
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
    for (const layer of this.layers) for (const variable of layer.variables) variable.dispose();
    this.optimizer.dispose();
  }
}

/** Largest weight drift after an epoch that `--check-tfjs` accepts. */
export const MAX_WEIGHT_DRIFT = 1e-3;

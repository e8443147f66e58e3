// One training step laid open: what the trainer's step did with its batch, recorded when a hook
// asks (the studio's Step: run/runControl.ts), from the very arrays the step computed with, so
// that nothing is computed twice and nothing the training computes changes:
//
//   before the update   the batch's logits and losses (the step's forward pass), each
//                       parameter's value and its gradient ∂(mean loss)/∂θ (the step's
//                       backward pass; weight decay, when set, is the optimiser's, not in it)
//   after the update    Δθ = θ after − θ before (float32: the update the optimiser applied), and
//                       the batch through the network again (BatchNorm on the batch's statistics,
//                       as the step; its moving statistics put back as they were)
//
// For softmax regression (one dense layer) every tensor is kept whole; for deeper models each
// parameter's norms. Of the samples, at most MAX_SAMPLES are kept (their images, p, losses).
// `steppedBatch` gives the record as step.json holds it, which is also what the static studio's
// worker posts to its page: lists and base64, in Node.js and in browsers alike.

import type { Split } from '../data/dataset.js';
import { copyImages } from '../data/splitImages.js';
import { BatchNorm, Dense } from '../model/layers.js';
import type { Batch } from '../model/batches.js';
import type { Network } from '../model/network.js';
import { softmaxForward } from '../model/softmax.js';
import { lossAndGradient, type LossBuffers, type LossName } from './losses.js';
import type { OptimizerConfig } from './optimizers.js';
import type { SteppedBatch } from './records.js';

/** The samples of a batch whose images, p and losses are kept. */
export const MAX_SAMPLES = 100;

export interface InsideParameter {
  layer: number;
  /** The layer's type and the parameter's name: "dense", "weights". */
  type: string;
  name: string;
  /** Dense weights: [inputs, outputs], row-major; others: [length]. */
  shape: number[];
  normBefore: number;
  normAfter: number;
  gradientNorm: number;
  updateNorm: number;
  /** Softmax regression only: θ before, ∂(mean loss)/∂θ, Δθ = θ after − θ before, θ after. */
  before?: Float32Array;
  gradient?: Float32Array;
  update?: Float32Array;
  after?: Float32Array;
}

export interface BatchInside {
  /** Steps taken, this one included; its epoch and batch in the epoch (from 1). */
  step: number;
  epoch: number;
  batch: number;
  loss: LossName;
  learningRate: number;
  /** The optimiser's rule and constants; `t`: Adam's step count after this step. */
  optimizer: OptimizerConfig & { weightDecay: number; t: number };
  classes: string[];
  /** The batch's size; the mean losses before and after the update, over all of it. */
  size: number;
  lossBefore: number;
  lossAfter: number;
  /** The samples kept (the batch's first, at most MAX_SAMPLES): training-set indices, labels. */
  indices: Uint32Array;
  labels: Uint8Array;
  /** Their images: (kept, height × width) bytes. */
  pixels: Uint8Array;
  height: number;
  width: number;
  /** (kept, classes) */
  probabilitiesBefore: Float32Array;
  probabilitiesAfter: Float32Array;
  /** (kept) */
  lossesBefore: Float64Array;
  lossesAfter: Float64Array;
  parameters: InsideParameter[];
}

/** What the trainer tells an inspection about its step. */
export interface InspectedStep {
  network: Network;
  loss: LossName;
  buffers: LossBuffers;
  batch: Batch;
  /** The training set's index of each sample of the batch: (size). */
  indices: Uint32Array;
  split: Split;
}

const norm = (values: Float32Array) => {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum);
};

/** Softmax regression: the network is one dense layer, whose tensors are kept whole. */
function isSoftmaxRegression(network: Network): boolean {
  return network.layers.length === 1 && network.layers[0] instanceof Dense;
}

/** Mean of the first `size` losses. */
function meanLoss(losses: Float64Array, size: number): number {
  let sum = 0;
  for (let n = 0; n < size; n++) sum += losses[n];
  return sum / size;
}

/** One step's inside, taken in two halves: `beforeUpdate` and `afterUpdate`. */
export class BatchInspection {
  private kept = 0;
  private before: {
    logits: Float32Array;
    losses: Float64Array;
    lossBefore: number;
    values: Float32Array[];
    gradients: Float32Array[];
  } | null = null;

  constructor(private readonly step: InspectedStep) {}

  /** After the step's backward pass, before its update: `logits` are the step's (size, classes). */
  beforeUpdate(logits: Float32Array): void {
    const { network, buffers, batch } = this.step;
    const classes = network.classes.length;
    this.kept = Math.min(batch.size, MAX_SAMPLES);
    const parameters = network.parameters().map((p) => p.parameter);
    this.before = {
      logits: logits.slice(0, this.kept * classes),
      losses: buffers.losses.slice(0, this.kept),
      lossBefore: meanLoss(buffers.losses, batch.size),
      values: parameters.map((p) => p.value.slice()),
      gradients: parameters.map((p) => p.gradient.slice()),
    };
  }

  /**
   * After the update: the batch through the network again, and the record. Call it only once
   * the step's own uses of the layers' last forward pass are over (the step log's saturation).
   */
  afterUpdate(position: {
    step: number;
    epoch: number;
    batch: number;
    learningRate: number;
    optimizer: BatchInside['optimizer'];
  }): BatchInside {
    const { network, loss, buffers, batch, indices, split } = this.step;
    const before = this.before!;
    const classes = network.classes.length;
    const { kept } = this;
    const full = isSoftmaxRegression(network);
    const logitsAfter = this.forwardAgain();
    lossAndGradient(loss, buffers, logitsAfter, batch.labels, batch.size, classes);
    const pixelsPerImage = split.height * split.width;
    const pixels = new Uint8Array(kept * pixelsPerImage);
    // from the split's file where it was read from one (the training images are not held whole)
    for (let n = 0; n < kept; n++) {
      copyImages(split, indices[n], pixels.subarray(n * pixelsPerImage, (n + 1) * pixelsPerImage));
    }
    let k = 0;
    const parameters = network.layers.flatMap((layer, l) =>
      layer.parameters().map((parameter): InsideParameter => {
        const value = before.values[k];
        const gradient = before.gradients[k++];
        const after = parameter.value;
        const update = new Float32Array(after.length);
        for (let i = 0; i < update.length; i++) update[i] = after[i] - value[i];
        const shape =
          layer instanceof Dense && parameter.name === 'weights'
            ? [layer.inputs, layer.outputs]
            : [after.length];
        return {
          layer: l,
          type: layer.type,
          name: parameter.name,
          shape,
          normBefore: norm(value),
          normAfter: norm(after),
          gradientNorm: norm(gradient),
          updateNorm: norm(update),
          ...(full ? { before: value, gradient, update, after: after.slice() } : {}),
        };
      }),
    );
    return {
      ...position,
      loss,
      classes: network.classes,
      size: batch.size,
      lossBefore: before.lossBefore,
      lossAfter: meanLoss(buffers.losses, batch.size),
      indices: indices.slice(0, kept),
      labels: batch.labels.slice(0, kept),
      pixels,
      height: split.height,
      width: split.width,
      probabilitiesBefore: softmax(before.logits, kept, classes),
      probabilitiesAfter: softmax(logitsAfter, kept, classes),
      lossesBefore: before.losses,
      lossesAfter: buffers.losses.slice(0, kept),
      parameters,
    };
  }

  /** The batch's logits with the updated parameters, BatchNorm's moving statistics untouched. */
  private forwardAgain(): Float32Array {
    const { network, batch } = this.step;
    const moving = network.layers.flatMap((layer) =>
      layer instanceof BatchNorm ? [layer.movingMean, layer.movingVariance] : [],
    );
    const saved = moving.map((values) => values.slice());
    const logits = network.forward(batch.input, batch.size, true);
    moving.forEach((values, i) => values.set(saved[i]));
    return logits;
  }
}

/** p of the first `count` rows of logits, by the softmax kernel `predict` uses. */
function softmax(logits: Float32Array, count: number, classes: number): Float32Array {
  const probabilities = new Float32Array(count * classes);
  softmaxForward(probabilities, logits, count, classes);
  return probabilities;
}

/** Bytes as base64 (btoa takes a string of byte-sized characters; made in chunks for the stack). */
function base64(bytes: Uint8Array): string {
  const CHUNK = 0x8000;
  let text = '';
  for (let at = 0; at < bytes.length; at += CHUNK) {
    text += String.fromCharCode(...bytes.subarray(at, at + CHUNK));
  }
  return btoa(text);
}

const list = (values: ArrayLike<number> | undefined) => (values ? Array.from(values) : undefined);

/** A step's inside as step.json holds it: typed arrays as lists, the images as base64. */
export function steppedBatch(inside: BatchInside): SteppedBatch {
  return {
    ...inside,
    indices: Array.from(inside.indices),
    labels: Array.from(inside.labels),
    pixels: base64(inside.pixels),
    probabilitiesBefore: Array.from(inside.probabilitiesBefore),
    probabilitiesAfter: Array.from(inside.probabilitiesAfter),
    lossesBefore: Array.from(inside.lossesBefore),
    lossesAfter: Array.from(inside.lossesAfter),
    parameters: inside.parameters.map((p) => ({
      ...p,
      before: list(p.before),
      gradient: list(p.gradient),
      update: list(p.update),
      after: list(p.after),
    })),
  };
}

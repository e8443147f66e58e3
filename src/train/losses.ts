// The two losses a network can train with, both on the softmax of its logits:
//   cross-entropy: forward by log-sum-exp, backward fused with the softmax: (p − y) / batch
//   mse:           forward (p − y)², backward through the standalone softmax backward

import {
  softmaxCrossEntropyForward,
  softmaxBackward,
  softmaxCrossEntropyBackward,
  softmaxForward,
  squaredErrorBackward,
  squaredErrorForward,
} from '../model/softmax.js';
import type { Engine } from '../model/engine.js';

export type LossName = 'cross-entropy' | 'mse';
export const LOSSES: readonly LossName[] = ['cross-entropy', 'mse'];

/** Buffers for one batch, reused from step to step. */
export class LossBuffers {
  readonly losses: Float64Array;
  readonly probabilities: Float32Array;
  readonly dprobabilities: Float32Array;
  readonly dlogits: Float32Array;

  /**
   * dlogits goes into the network's backward pass and losses may come from the engine's fused
   * kernel: both live in the engine's memory.
   */
  constructor(
    batchSize: number,
    classes: number,
    readonly engine: Engine,
  ) {
    const bytes = engine.allocateBytes(8 * batchSize);
    this.losses = new Float64Array(bytes.buffer, bytes.byteOffset, batchSize);
    this.probabilities = new Float32Array(batchSize * classes);
    this.dprobabilities = new Float32Array(batchSize * classes);
    this.dlogits = engine.allocate(batchSize * classes);
  }
}

/** Per-sample losses into `buffers.losses`, softmax into `buffers.probabilities`. */
export function lossForward(
  loss: LossName,
  buffers: LossBuffers,
  logits: Float32Array,
  labels: Uint8Array,
  batch: number,
  classes: number,
): void {
  if (loss === 'cross-entropy') {
    softmaxCrossEntropyForward(
      buffers.probabilities,
      buffers.losses,
      logits,
      labels,
      batch,
      classes,
    );
  } else {
    softmaxForward(buffers.probabilities, logits, batch, classes);
    squaredErrorForward(buffers.losses, buffers.probabilities, labels, batch, classes);
  }
}

/**
 * Per-sample losses into `buffers.losses` alone (an evaluation): cross-entropy runs fused in
 * the engine (its gradient goes into `buffers.dlogits`, unused).
 */
export function sampleLosses(
  loss: LossName,
  buffers: LossBuffers,
  logits: Float32Array,
  labels: Uint8Array,
  batch: number,
  classes: number,
): void {
  if (loss === 'cross-entropy') lossAndGradient(loss, buffers, logits, labels, batch, classes);
  else lossForward(loss, buffers, logits, labels, batch, classes);
}

/**
 * A training step's loss: per-sample losses into `buffers.losses`, and ∂(mean loss)/∂logits
 * into `buffers.dlogits`, which it returns. Cross-entropy runs fused in the engine.
 */
export function lossAndGradient(
  loss: LossName,
  buffers: LossBuffers,
  logits: Float32Array,
  labels: Uint8Array,
  batch: number,
  classes: number,
): Float32Array {
  const { engine, losses, dlogits } = buffers;
  if (loss === 'cross-entropy') {
    engine.softmaxCrossEntropy(losses, dlogits, logits, labels, batch, classes, 1 / batch);
    return dlogits;
  }
  lossForward(loss, buffers, logits, labels, batch, classes);
  return lossBackward(loss, buffers, labels, batch, classes);
}

/** ∂(mean loss)/∂logits into `buffers.dlogits`, after `lossForward` on the same batch. */
function lossBackward(
  loss: LossName,
  buffers: LossBuffers,
  labels: Uint8Array,
  batch: number,
  classes: number,
): Float32Array {
  const { probabilities, dprobabilities, dlogits } = buffers;
  dlogits.fill(0);
  if (loss === 'cross-entropy') {
    softmaxCrossEntropyBackward(dlogits, probabilities, labels, batch, classes, 1 / batch);
  } else {
    dprobabilities.fill(0);
    squaredErrorBackward(dprobabilities, probabilities, labels, batch, classes, 1 / batch);
    softmaxBackward(dlogits, dprobabilities, probabilities, batch, classes);
  }
  return dlogits;
}

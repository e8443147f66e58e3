// The two losses a network can train with, both on the softmax of its logits:
//   cross-entropy: forward by log-sum-exp, backward fused with the softmax: (p − y) / batch,
//                  in one kernel of the engine (Engine.softmaxCrossEntropy)
//   mse:           forward (p − y)², backward through the standalone softmax backward

import {
  softmaxBackward,
  softmaxForward,
  squaredErrorBackward,
  squaredErrorForward,
} from '../model/softmax.js';
import type { Engine } from '../model/engine.js';
import { predictions } from '../model/tensor.js';

export type LossName = 'cross-entropy' | 'mse';
export const LOSSES: readonly LossName[] = ['cross-entropy', 'mse'];

/** Buffers for one batch, reused from step to step. */
export class LossBuffers {
  readonly losses: Float64Array;
  /** Each sample's predicted class: the argmax of its logits. */
  readonly predicted: Uint8Array;
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
    this.predicted = engine.allocateBytes(batchSize);
    this.probabilities = new Float32Array(batchSize * classes);
    this.dprobabilities = new Float32Array(batchSize * classes);
    this.dlogits = engine.allocate(batchSize * classes);
  }
}

/**
 * A batch's loss: per-sample losses into `buffers.losses`, predicted classes into
 * `buffers.predicted`, and ∂(mean loss)/∂logits into `buffers.dlogits`, which it returns (an
 * evaluation leaves it unused). Cross-entropy runs fused in the engine; squared error goes
 * through the softmax and back.
 */
export function lossAndGradient(
  loss: LossName,
  buffers: LossBuffers,
  logits: Float32Array,
  labels: Uint8Array,
  batch: number,
  classes: number,
): Float32Array {
  const { engine, losses, predicted, probabilities, dprobabilities, dlogits } = buffers;
  if (loss === 'cross-entropy') {
    const scale = 1 / batch; // of the mean
    engine.softmaxCrossEntropy(losses, dlogits, predicted, logits, labels, batch, classes, scale);
    return dlogits;
  }
  predictions(predicted, logits, batch, classes);
  softmaxForward(probabilities, logits, batch, classes);
  squaredErrorForward(losses, probabilities, labels, batch, classes);
  dlogits.fill(0);
  dprobabilities.fill(0);
  squaredErrorBackward(dprobabilities, probabilities, labels, batch, classes, 1 / batch);
  softmaxBackward(dlogits, dprobabilities, probabilities, batch, classes);
  return dlogits;
}

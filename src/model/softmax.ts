// Softmax, cross-entropy, and their backward passes (Caffe's SoftmaxLayer and
// SoftmaxWithLossLayer; TensorFlow's softmax_cross_entropy_with_logits).

import type { Floats } from './tensor.js';

/**
 * p_j = exp(z_j − max_k z_k) / Σ_k exp(z_k − max_k z_k)
 *
 * Subtracting the max changes nothing mathematically and keeps exp from overflowing.
 * logits z: (batch, classes)   probabilities p: (batch, classes)
 */
export function softmaxForward(
  probabilities: Floats,
  logits: Floats,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) softmaxRow(probabilities, logits, n * classes, classes);
}

/** One row of softmaxForward; returns the row's max and Σ exp(z − max), for the loss. */
function softmaxRow(probabilities: Floats, logits: Floats, row: number, classes: number) {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = Math.max(max, logits[row + j]);
  let sum = 0;
  for (let j = 0; j < classes; j++) {
    const e = Math.exp(logits[row + j] - max);
    probabilities[row + j] = e;
    sum += e;
  }
  // sum ≥ 1 (the max term is exp(0)), so the division is always safe.
  for (let j = 0; j < classes; j++) probabilities[row + j] /= sum;
  return { max, sum };
}

/**
 * Per-sample cross-entropy of the softmax of the logits against one-hot labels y:
 *   L_n = −Σ_j y_j ln p_j = −ln p_label = logsumexp(z) − z_label
 *       = (max_k z_k − z_label) + ln Σ_k exp(z_k − max_k z_k)
 *
 * Computed from the logits by log-sum-exp, so it never takes log(0).
 * logits: (batch, classes)   labels: (batch) class indices   losses: (batch)
 */
export function crossEntropyForward(
  losses: Floats,
  logits: Floats,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[row + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[row + j] - max);
    // (max − z_label) first: two nearby numbers subtract exactly, even at logits near ±1000.
    losses[n] = max - logits[row + labels[n]] + Math.log(sum);
  }
}

/**
 * Softmax and cross-entropy in one pass over each row (what training needs), sharing the max
 * and the sum of exponentials:
 *   p_j = exp(z_j − m) / s,  L_n = (m − z_label) + ln s,  with m = max_k z_k, s = Σ_k exp(z_k − m)
 */
export function softmaxCrossEntropyForward(
  probabilities: Floats,
  losses: Floats,
  logits: Floats,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    const { max, sum } = softmaxRow(probabilities, logits, row, classes);
    losses[n] = max - logits[row + labels[n]] + Math.log(sum);
  }
}

/**
 * Fused backward of softmax and cross-entropy, for L = scale · Σ_n L_n:
 *   ∂L/∂z_nj = scale · (p_nj − y_nj)
 *
 * With scale = 1/batch this is the gradient of the mean loss; the scale is seeded here once
 * and nowhere else. probabilities: (batch, classes)   dlogits: (batch, classes), accumulated.
 */
export function softmaxCrossEntropyBackward(
  dlogits: Floats,
  probabilities: Floats,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  scale: number,
): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    for (let j = 0; j < classes; j++) {
      const y = j === labels[n] ? 1 : 0;
      dlogits[row + j] += scale * (probabilities[row + j] - y);
    }
  }
}

/**
 * Backward through softmax alone, for losses that are not fused with it. From the Jacobian
 * ∂p_i/∂z_j = p_i (δ_ij − p_j):
 *   dz_i = Σ_j dp_j p_j (δ_ij − p_i) = (dp_i − Σ_j dp_j p_j) · p_i
 *
 * dprobabilities, probabilities: (batch, classes)   dlogits: (batch, classes), accumulated.
 */
export function softmaxBackward(
  dlogits: Floats,
  dprobabilities: Floats,
  probabilities: Floats,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += dprobabilities[row + j] * probabilities[row + j];
    for (let i = 0; i < classes; i++) {
      dlogits[row + i] += (dprobabilities[row + i] - dot) * probabilities[row + i];
    }
  }
}

/** Smallest probability a log is taken of, so that ln(0) = −∞ never appears (as Caffe's FLT_MIN). */
export const MIN_PROBABILITY = 1.17549435e-38;

/**
 * Cross-entropy of given probabilities (not logits) against a target distribution:
 *   L = −Σ_j y_j ln max(p_j, MIN_PROBABILITY)
 * The textbook formula, `-reduce_sum(y_ * log(y))` in TensorFlow's tutorial.
 */
export function crossEntropyOfProbabilities(
  probabilities: ArrayLike<number>,
  targets: ArrayLike<number>,
): number {
  let loss = 0;
  for (let j = 0; j < probabilities.length; j++) {
    if (targets[j] !== 0)
      loss -= targets[j] * Math.log(Math.max(probabilities[j], MIN_PROBABILITY));
  }
  return loss;
}

/**
 * Mean squared error of the probabilities against one-hot labels, over every element
 * (as Keras' and tfjs' meanSquaredError):
 *   L = (1 / (batch · classes)) Σ_n Σ_j (p_nj − y_nj)²
 * Returns the sum over the batch of each sample's Σ_j (p_nj − y_nj)² / classes.
 */
export function squaredErrorForward(
  losses: Floats,
  probabilities: Floats,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const error = probabilities[n * classes + j] - (j === labels[n] ? 1 : 0);
      sum += error * error;
    }
    losses[n] = sum / classes;
  }
}

/**
 * ∂L/∂p_nj = scale · 2 (p_nj − y_nj) / classes, with scale = 1/batch for the mean loss.
 * It then goes through the standalone softmax backward: unlike cross-entropy, nothing cancels
 * the softmax's own derivative p(1 − p), which is small when a prediction is confidently wrong.
 */
export function squaredErrorBackward(
  dprobabilities: Floats,
  probabilities: Floats,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  scale: number,
): void {
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < classes; j++) {
      const i = n * classes + j;
      const y = j === labels[n] ? 1 : 0;
      dprobabilities[i] += (scale * 2 * (probabilities[i] - y)) / classes;
    }
  }
}

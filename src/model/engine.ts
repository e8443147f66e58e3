// An engine is where a network's numbers live and which kernels compute them. The reference
// engine is the readable TypeScript of this folder on plain Float32Arrays. The fast engine
// (src/wasm) keeps every array in WebAssembly memory and runs SIMD kernels there; it must
// agree with the reference to float32 tolerance, which the tests check.

import { ACTIVATION_KERNELS, type ActivationName } from './activations.js';
import {
  batchnormBackward,
  batchnormForwardInference,
  batchnormForwardTraining,
} from './batchnorm.js';
import type { Split } from '../data/dataset.js';
import { DenseBatches, type BatchSource } from './batches.js';
import { denseBackward, denseForward } from './dense.js';
import type { InputSpec } from './network.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './softmax.js';
import { argmax } from './tensor.js';
import { adamStep, momentumStep, sgdStep } from './updates.js';

/**
 * Images as compressed sparse rows: the nonzero pixels of sample n are
 * index[rowStart[n] .. rowStart[n + 1]) with values value[...] (bytes).
 */
export interface CompressedRows {
  rowStart: Uint32Array;
  index: Uint16Array;
  value: Uint8Array;
}

/**
 * A batch of images as compressed sparse rows, input = value · scale. About 19% of MNIST's
 * pixels are nonzero, so this is a fifth of the dense batch.
 */
export interface SparseRows extends CompressedRows {
  scale: number;
  /**
   * The same pixels by columns, in blocks of samples, where the batch's rows never change (a
   * split in file order, as L-BFGS reads it): built on first use and kept
   * (wasm/sparseBatches.ts).
   */
  columns?: () => ColumnBlocks;
}

/**
 * A batch's pixels as columns, block by block: for block b and pixel i, the samples of the
 * block where pixel i is nonzero (counted from the block's first) and their values, at
 * sample[start[b · (inputs + 1) + i] …] and value[…], up to start[b · (inputs + 1) + i + 1].
 */
export interface ColumnBlocks {
  start: Uint32Array;
  sample: Uint16Array;
  value: Uint8Array;
}

export type LayerInput = Float32Array | SparseRows;

export function isSparse(x: LayerInput): x is SparseRows {
  return !(x instanceof Float32Array);
}

/** Kernels on float32 arrays that `allocate` returned. Outputs are overwritten unless noted. */
export interface Engine {
  readonly name: 'reference' | 'wasm';
  allocate(length: number): Float32Array;
  /** Raw bytes in the engine's memory (for sparse rows), 16-byte aligned. */
  allocateBytes(bytes: number): Uint8Array;
  /**
   * The batches of `split` in this engine's form and memory (the reference engine: dense floats;
   * the wasm engine: sparse rows where it can), for batches of at most `capacity`.
   */
  batches(input: InputSpec, split: Split, capacity: number): BatchSource;
  /** `training`: a backward pass on the same input follows (an engine may prepare for it). */
  denseForward(
    out: Float32Array,
    x: LayerInput,
    W: Float32Array,
    b: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
    training?: boolean,
  ): void;
  /** dW, db and dx (null: not wanted) are overwritten. */
  denseBackward(
    dx: Float32Array | null,
    dW: Float32Array,
    db: Float32Array,
    dout: Float32Array,
    x: LayerInput,
    W: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
  ): void;
  batchnormForwardTraining: typeof batchnormForwardTraining;
  batchnormForwardInference: typeof batchnormForwardInference;
  /** dgamma, dbeta and dx are overwritten. */
  batchnormBackward: typeof batchnormBackward;
  activationForward(name: ActivationName, out: Float32Array, x: Float32Array, length: number): void;
  /** dx is overwritten. */
  activationBackward(
    name: ActivationName,
    dx: Float32Array,
    dout: Float32Array,
    out: Float32Array,
    length: number,
  ): void;
  /**
   * Softmax cross-entropy forward and backward in one pass: losses as
   * softmaxCrossEntropyForward (float64), dlogits = scale · (p − y), and each sample's predicted
   * class (argmax of its logits, as model/tensor.ts argmax), all overwritten.
   */
  softmaxCrossEntropy(
    losses: Float64Array,
    dlogits: Float32Array,
    predicted: Uint8Array,
    logits: Float32Array,
    labels: Uint8Array,
    batch: number,
    classes: number,
    scale: number,
  ): void;
  /** Releases what the engine holds outside its arrays (worker threads). */
  close?(): void;
  /** Σ x² (for gradient norms). */
  sumOfSquares(values: Float32Array): number;
  sgdStep: typeof sgdStep;
  momentumStep: typeof momentumStep;
  adamStep: typeof adamStep;
}

/** predicted[n] = argmax of sample n's logits. */
export function predictions(
  predicted: Uint8Array,
  logits: Float32Array,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) predicted[n] = argmax(logits, n * classes, classes);
}

function dense(x: LayerInput): Float32Array {
  if (isSparse(x)) throw new Error('the reference engine takes dense inputs');
  return x;
}

/** The reference engine's probabilities between the fused loss's two steps, grown as needed. */
let probabilities = new Float32Array(0);

export const referenceEngine: Engine = {
  name: 'reference',
  allocate: (length) => new Float32Array(length),
  allocateBytes: (bytes) => new Uint8Array(bytes),
  denseForward: (out, x, W, b, batch, inputs, outputs) =>
    denseForward(out, dense(x), W, b, batch, inputs, outputs),
  denseBackward: (dx, dW, db, dout, x, W, batch, inputs, outputs) => {
    dx?.fill(0, 0, batch * inputs);
    dW.fill(0);
    db.fill(0);
    denseBackward(dx, dW, db, dout, dense(x), W, batch, inputs, outputs);
  },
  batches: (input, split, capacity) => new DenseBatches(referenceEngine, input, split, capacity),
  softmaxCrossEntropy: (losses, dlogits, predicted, logits, labels, batch, classes, scale) => {
    if (probabilities.length < batch * classes) probabilities = new Float32Array(batch * classes);
    softmaxCrossEntropyForward(probabilities, losses, logits, labels, batch, classes);
    dlogits.fill(0);
    softmaxCrossEntropyBackward(dlogits, probabilities, labels, batch, classes, scale);
    predictions(predicted, logits, batch, classes);
  },
  batchnormForwardTraining,
  batchnormForwardInference,
  batchnormBackward: (dx, dgamma, dbeta, dout, normalized, inverseStd, gamma, batch, features) => {
    dx.fill(0, 0, batch * features);
    dgamma.fill(0);
    dbeta.fill(0);
    batchnormBackward(dx, dgamma, dbeta, dout, normalized, inverseStd, gamma, batch, features);
  },
  activationForward: (name, out, x, length) => ACTIVATION_KERNELS[name].forward(out, x, length),
  activationBackward: (name, dx, dout, out, length) => {
    dx.fill(0, 0, length);
    ACTIVATION_KERNELS[name].backward(dx, dout, out, length);
  },
  sumOfSquares: (values) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
    return sum;
  },
  sgdStep,
  momentumStep,
  adamStep,
};

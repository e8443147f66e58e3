// An engine is where a network's numbers live and which kernels compute them. Every network,
// optimiser and loss is given its engine by name; none defaults to one. Two implement this
// interface: the reference engine (referenceEngine.ts), the readable TypeScript of this folder
// on plain Float32Arrays, and the wasm engine (src/wasm/engine.ts), which keeps every array in
// WebAssembly memory and runs SIMD kernels there; it must agree with the reference to float32
// tolerance, which the tests and `gradcheck --engines` check.

import type { ActivationName } from './activations.js';
import type {
  batchnormBackward,
  batchnormForwardInference,
  batchnormForwardTraining,
} from './batchnorm.js';
import type { Split } from '../data/dataset.js';
import type { BatchSource } from './batches.js';
import type { InputSpec } from './network.js';
import type { adamStep, momentumStep, sgdStep } from './updates.js';

/**
 * A batch's input in an engine's own form, which only that engine reads and layers pass on
 * unread: the wasm engine's sparse rows of the images' nonzero pixels (wasm/sparseRows.ts).
 */
export interface EngineInput {
  readonly form: string;
}

/** What a layer takes: dense (batch, inputs) floats, or the first layer's input in its engine's form. */
export type LayerInput = Float32Array | EngineInput;

export function isDense(x: LayerInput): x is Float32Array {
  return x instanceof Float32Array;
}

/** Kernels on float32 arrays that `allocate` returned. Outputs are overwritten unless noted. */
export interface Engine {
  readonly name: 'reference' | 'wasm';
  allocate(length: number): Float32Array;
  /** Raw bytes in the engine's memory, 16-byte aligned. */
  allocateBytes(bytes: number): Uint8Array;
  /**
   * The batches of `split` in this engine's form and memory (the reference engine: dense floats;
   * the wasm engine: sparse rows where it can), for batches of at most `capacity`.
   */
  batches(input: InputSpec, split: Split, capacity: number): BatchSource;
  /**
   * `count` images (height × width bytes each) as the first layer's input, in the form and with
   * the numbers that `batches` gives them (so a network computes the same logits from either),
   * in memory that the next call reuses.
   */
  imageInput(input: InputSpec, images: Uint8Array, count: number): LayerInput;
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
  /** Σ x² (for gradient norms). */
  sumOfSquares(values: Float32Array): number;
  sgdStep: typeof sgdStep;
  momentumStep: typeof momentumStep;
  adamStep: typeof adamStep;
  /** Releases what the engine holds outside its arrays (the wasm engine's worker threads). */
  close(): void;
}

// Layers hold their parameters, gradients and the buffers of one forward pass; the math lives in
// the kernel files (dense.ts, batchnorm.ts, activations.ts, softmax.ts). A network is a list of layers that ends in logits; the
// softmax that follows is fused with the loss.

import { ACTIVATION_KERNELS, type ActivationName } from './activations.js';
import {
  batchnormBackward,
  batchnormForwardInference,
  batchnormForwardTraining,
} from './batchnorm.js';
import { denseBackward, denseForward } from './dense.js';

/** A learnable tensor and its gradient, both flat. */
export interface Parameter {
  name: string;
  value: Float32Array;
  gradient: Float32Array;
  /** Weight decay applies to weights, not to biases or BatchNorm's gamma and beta. */
  decays: boolean;
}

export interface Layer {
  readonly type: string;
  readonly inputs: number;
  readonly outputs: number;
  /** x: (batch, inputs) → (batch, outputs). The result is the layer's own buffer. */
  forward(x: Float32Array, batch: number, training: boolean): Float32Array;
  /**
   * dout: (batch, outputs) → dx: (batch, inputs), accumulating parameter gradients (+=).
   * Returns null when `needInputGradient` is false (the first layer).
   */
  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null;
  parameters(): Parameter[];
}

/** A buffer of at least `length` floats, reused from `buffer` when it is large enough. */
export function ensureLength(buffer: Float32Array, length: number): Float32Array {
  return buffer.length >= length ? buffer : new Float32Array(length);
}

export class Dense implements Layer {
  readonly type = 'dense';
  /** (inputs, outputs) */
  readonly weights: Float32Array;
  /** (outputs) */
  readonly bias: Float32Array;
  readonly weightsGradient: Float32Array;
  readonly biasGradient: Float32Array;
  private input: Float32Array = new Float32Array(0);
  private output: Float32Array = new Float32Array(0);
  private inputGradient: Float32Array = new Float32Array(0);

  /**
   * `trainsBias` is false before a BatchNorm: its mean subtraction cancels any bias, whose true
   * gradient is then zero (and its rounding noise would be blown up by Adam). It stays zero.
   */
  constructor(
    readonly inputs: number,
    readonly outputs: number,
    weights?: Float32Array,
    bias?: Float32Array,
    readonly trainsBias = true,
  ) {
    this.weights = weights ?? new Float32Array(inputs * outputs);
    this.bias = bias ?? new Float32Array(outputs);
    this.weightsGradient = new Float32Array(inputs * outputs);
    this.biasGradient = new Float32Array(outputs);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.input = x;
    this.output = ensureLength(this.output, batch * this.outputs);
    denseForward(this.output, x, this.weights, this.bias, batch, this.inputs, this.outputs);
    return this.output;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    let dx: Float32Array | null = null;
    if (needInputGradient) {
      dx = this.inputGradient = ensureLength(this.inputGradient, batch * this.inputs);
      dx.fill(0, 0, batch * this.inputs);
    }
    denseBackward(
      dx,
      this.weightsGradient,
      this.biasGradient,
      dout,
      this.input,
      this.weights,
      batch,
      this.inputs,
      this.outputs,
    );
    return dx;
  }

  parameters(): Parameter[] {
    const weights = {
      name: 'weights',
      value: this.weights,
      gradient: this.weightsGradient,
      decays: true,
    };
    if (!this.trainsBias) return [weights];
    return [
      weights,
      { name: 'bias', value: this.bias, gradient: this.biasGradient, decays: false },
    ];
  }
}

/** Keras' defaults. */
export const BATCHNORM_MOMENTUM = 0.99;
export const BATCHNORM_EPSILON = 1e-3;

export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  readonly outputs: number;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly movingMean: Float32Array;
  readonly movingVariance: Float32Array;
  readonly gammaGradient: Float32Array;
  readonly betaGradient: Float32Array;
  private output: Float32Array = new Float32Array(0);
  private normalized: Float32Array = new Float32Array(0);
  private inputGradient: Float32Array = new Float32Array(0);
  private readonly inverseStd: Float32Array;

  constructor(
    readonly inputs: number,
    readonly epsilon = BATCHNORM_EPSILON,
    readonly momentum = BATCHNORM_MOMENTUM,
    state?: {
      gamma: Float32Array;
      beta: Float32Array;
      movingMean: Float32Array;
      movingVariance: Float32Array;
    },
  ) {
    this.outputs = inputs;
    this.gamma = state?.gamma ?? new Float32Array(inputs).fill(1);
    this.beta = state?.beta ?? new Float32Array(inputs);
    this.movingMean = state?.movingMean ?? new Float32Array(inputs);
    this.movingVariance = state?.movingVariance ?? new Float32Array(inputs).fill(1);
    this.gammaGradient = new Float32Array(inputs);
    this.betaGradient = new Float32Array(inputs);
    this.inverseStd = new Float32Array(inputs);
  }

  forward(x: Float32Array, batch: number, training: boolean): Float32Array {
    const length = batch * this.inputs;
    this.output = ensureLength(this.output, length);
    if (training) {
      this.normalized = ensureLength(this.normalized, length);
      batchnormForwardTraining(
        this.output,
        this.normalized,
        this.inverseStd,
        x,
        this.gamma,
        this.beta,
        this.movingMean,
        this.movingVariance,
        batch,
        this.inputs,
        this.epsilon,
        this.momentum,
      );
    } else {
      batchnormForwardInference(
        this.output,
        x,
        this.gamma,
        this.beta,
        this.movingMean,
        this.movingVariance,
        batch,
        this.inputs,
        this.epsilon,
      );
    }
    return this.output;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    const dx = (this.inputGradient = ensureLength(this.inputGradient, batch * this.inputs));
    dx.fill(0, 0, batch * this.inputs);
    batchnormBackward(
      dx,
      this.gammaGradient,
      this.betaGradient,
      dout,
      this.normalized,
      this.inverseStd,
      this.gamma,
      batch,
      this.inputs,
    );
    return needInputGradient ? dx : null;
  }

  parameters(): Parameter[] {
    return [
      { name: 'gamma', value: this.gamma, gradient: this.gammaGradient, decays: false },
      { name: 'beta', value: this.beta, gradient: this.betaGradient, decays: false },
    ];
  }
}

export class Activation implements Layer {
  readonly outputs: number;
  private output: Float32Array = new Float32Array(0);
  private inputGradient: Float32Array = new Float32Array(0);

  constructor(
    readonly type: ActivationName,
    readonly inputs: number,
  ) {
    this.outputs = inputs;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.output = ensureLength(this.output, batch * this.inputs);
    ACTIVATION_KERNELS[this.type].forward(this.output, x, batch * this.inputs);
    return this.output;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    if (!needInputGradient) return null;
    const length = batch * this.inputs;
    const dx = (this.inputGradient = ensureLength(this.inputGradient, length));
    dx.fill(0, 0, length);
    ACTIVATION_KERNELS[this.type].backward(dx, dout, this.output, length);
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }
}

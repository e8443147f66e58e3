// Layers hold their parameters, gradients and the buffers of one forward pass; the math lives in
// the kernel files (dense.ts, softmax.ts). A network is a list of layers that ends in logits; the
// softmax that follows is fused with the loss.

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

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    weights?: Float32Array,
    bias?: Float32Array,
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
    return [
      { name: 'weights', value: this.weights, gradient: this.weightsGradient, decays: true },
      { name: 'bias', value: this.bias, gradient: this.biasGradient, decays: false },
    ];
  }
}

// Layers hold their parameters, gradients and the buffers of one forward pass; the math lives in
// the kernel files (dense.ts, batchnorm.ts, activations.ts, softmax.ts), run by an engine
// (engine.ts): the readable reference, or WebAssembly. A network is a list of layers that ends
// in logits; the softmax that follows is fused with the loss.

import { saturation, type ActivationName } from './activations.js';
import { isSparse, referenceEngine, type Engine, type LayerInput } from './engine.js';

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
  forward(x: LayerInput, batch: number, training: boolean): Float32Array;
  /**
   * dout: (batch, outputs) → dx: (batch, inputs), overwriting the parameter gradients.
   * Returns null when `needInputGradient` is false (the first layer).
   */
  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null;
  parameters(): Parameter[];
}

/** A growable buffer from the engine: reused while large enough. */
class Scratch {
  private array: Float32Array;

  constructor(private readonly engine: Engine) {
    this.array = engine.allocate(0);
  }

  get(length: number): Float32Array {
    if (this.array.length < length) this.array = this.engine.allocate(length);
    return this.array;
  }
}

/** Copies `values` into an array of the engine's, or allocates zeros (or `fill`). */
function engineArray(engine: Engine, length: number, values?: Float32Array, fill = 0) {
  const array = engine.allocate(length);
  if (values) array.set(values);
  else if (fill !== 0) array.fill(fill);
  return array;
}

function denseInput(x: LayerInput, type: string): Float32Array {
  if (isSparse(x)) throw new Error(`a ${type} layer cannot take sparse input`);
  return x;
}

export class Dense implements Layer {
  readonly type = 'dense';
  /** (inputs, outputs) */
  readonly weights: Float32Array;
  /** (outputs) */
  readonly bias: Float32Array;
  readonly weightsGradient: Float32Array;
  readonly biasGradient: Float32Array;
  private input: LayerInput = new Float32Array(0);
  private readonly output: Scratch;
  private readonly inputGradient: Scratch;

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
    private readonly engine: Engine = referenceEngine,
  ) {
    this.weights = engineArray(engine, inputs * outputs, weights);
    this.bias = engineArray(engine, outputs, bias);
    this.weightsGradient = engineArray(engine, inputs * outputs);
    this.biasGradient = engineArray(engine, outputs);
    this.output = new Scratch(engine);
    this.inputGradient = new Scratch(engine);
  }

  forward(x: LayerInput, batch: number, training: boolean): Float32Array {
    this.input = x;
    const out = this.output.get(batch * this.outputs);
    const { weights, bias, inputs, outputs } = this;
    this.engine.denseForward(out, x, weights, bias, batch, inputs, outputs, training);
    return out;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    const dx = needInputGradient ? this.inputGradient.get(batch * this.inputs) : null;
    this.engine.denseBackward(
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

export interface BatchNormState {
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

export class BatchNorm implements Layer {
  readonly type = 'batchnorm';
  readonly outputs: number;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly movingMean: Float32Array;
  readonly movingVariance: Float32Array;
  readonly gammaGradient: Float32Array;
  readonly betaGradient: Float32Array;
  private readonly inverseStd: Float32Array;
  private readonly output: Scratch;
  private readonly normalized: Scratch;
  private readonly inputGradient: Scratch;

  constructor(
    readonly inputs: number,
    readonly epsilon = BATCHNORM_EPSILON,
    readonly momentum = BATCHNORM_MOMENTUM,
    state?: BatchNormState,
    private readonly engine: Engine = referenceEngine,
  ) {
    this.outputs = inputs;
    this.gamma = engineArray(engine, inputs, state?.gamma, 1);
    this.beta = engineArray(engine, inputs, state?.beta);
    this.movingMean = engineArray(engine, inputs, state?.movingMean);
    this.movingVariance = engineArray(engine, inputs, state?.movingVariance, 1);
    this.gammaGradient = engineArray(engine, inputs);
    this.betaGradient = engineArray(engine, inputs);
    this.inverseStd = engineArray(engine, inputs);
    this.output = new Scratch(engine);
    this.normalized = new Scratch(engine);
    this.inputGradient = new Scratch(engine);
  }

  forward(input: LayerInput, batch: number, training: boolean): Float32Array {
    const x = denseInput(input, this.type);
    const length = batch * this.inputs;
    const out = this.output.get(length);
    if (training) {
      this.engine.batchnormForwardTraining(
        out,
        this.normalized.get(length),
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
      this.engine.batchnormForwardInference(
        out,
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
    return out;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    const dx = this.inputGradient.get(batch * this.inputs);
    this.engine.batchnormBackward(
      dx,
      this.gammaGradient,
      this.betaGradient,
      dout,
      this.normalized.get(batch * this.inputs),
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
  private readonly output: Scratch;
  private readonly inputGradient: Scratch;
  private lastOutput: Float32Array = new Float32Array(0);

  constructor(
    readonly type: ActivationName,
    readonly inputs: number,
    private readonly engine: Engine = referenceEngine,
  ) {
    this.outputs = inputs;
    this.output = new Scratch(engine);
    this.inputGradient = new Scratch(engine);
  }

  forward(input: LayerInput, batch: number): Float32Array {
    const x = denseInput(input, this.type);
    const out = (this.lastOutput = this.output.get(batch * this.inputs));
    this.engine.activationForward(this.type, out, x, batch * this.inputs);
    return out;
  }

  backward(dout: Float32Array, batch: number, needInputGradient: boolean): Float32Array | null {
    if (!needInputGradient) return null;
    const length = batch * this.inputs;
    const dx = this.inputGradient.get(length);
    this.engine.activationBackward(this.type, dx, dout, this.lastOutput, length);
    return dx;
  }

  /** The share of units passing no gradient in the last forward pass (see `saturation`). */
  saturation(batch: number): number {
    return saturation(this.type, this.lastOutput, batch, this.inputs);
  }

  parameters(): Parameter[] {
    return [];
  }
}

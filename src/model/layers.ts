// Layers hold their parameters, gradients and the buffers of one forward pass; the math lives in
// the kernel files (dense.ts, batchnorm.ts, activations.ts, softmax.ts), run by the engine each
// layer is given (engine.ts): the readable reference, or WebAssembly. A network is a list of
// layers that ends in logits; the softmax that follows is fused with the loss.

import {
  ACTIVATIONS,
  preActivationStats,
  saturation,
  type ActivationName,
  type PreActivationStats,
} from './activations.js';
import { isDense, type Engine, type LayerInput } from './engine.js';
import { FieldReader, type KerasLayer, type LayerRecord } from './layerRecord.js';

const { finiteFloat32 } = FieldReader;

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
  /** Every array of its state, in a fixed order: what a checkpoint saves and restores. */
  state(): Float32Array[];
  /** Its fields in model.json (read back by LAYER_READERS[type]). */
  record(): LayerRecord;
  /** Its TensorFlow.js counterpart: the Keras layer of the same math, with these weights. */
  keras(): KerasLayer;
}

/** What reading a layer from model.json knows besides its fields. */
export interface ReadContext {
  /** The size of the layer's input: the previous layer's outputs. */
  inputs: number;
  /** Whether a BatchNorm follows (a dense layer there trains no bias). */
  beforeBatchnorm: boolean;
  engine: Engine;
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
  if (!isDense(x)) throw new Error(`a ${type} layer takes dense input`);
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
    private readonly engine: Engine,
    readonly inputs: number,
    readonly outputs: number,
    weights?: Float32Array,
    bias?: Float32Array,
    readonly trainsBias = true,
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

  state(): Float32Array[] {
    return [this.weights, this.bias];
  }

  record(): LayerRecord {
    const { inputs, outputs } = this;
    return {
      type: this.type,
      fields: [
        ['inputs', inputs],
        ['outputs', outputs],
        ['weights', { values: this.weights, columns: outputs }],
        ['bias', this.bias],
      ],
    };
  }

  static read(fields: FieldReader, { inputs, beforeBatchnorm, engine }: ReadContext): Dense {
    const weights = fields.rows('weights', inputs);
    const bias = fields.floats('bias', weights.columns);
    return new Dense(engine, inputs, weights.columns, weights.values, bias, !beforeBatchnorm);
  }

  keras(): KerasLayer {
    return {
      className: 'Dense',
      config: { units: this.outputs },
      weights: [
        { values: this.weights, shape: [this.inputs, this.outputs] },
        { values: this.bias, shape: [this.outputs] },
      ],
    };
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
    private readonly engine: Engine,
    readonly inputs: number,
    readonly epsilon = BATCHNORM_EPSILON,
    readonly momentum = BATCHNORM_MOMENTUM,
    state?: BatchNormState,
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

  state(): Float32Array[] {
    return [this.gamma, this.beta, this.movingMean, this.movingVariance];
  }

  record(): LayerRecord {
    return {
      type: this.type,
      fields: [
        ['features', this.inputs],
        ['epsilon', this.epsilon],
        ['momentum', this.momentum],
        ['gamma', this.gamma],
        ['beta', this.beta],
        ['movingMean', this.movingMean],
        ['movingVariance', this.movingVariance],
      ],
    };
  }

  static read(fields: FieldReader, { inputs, engine }: ReadContext): BatchNorm {
    const epsilon = fields.value('epsilon');
    const momentum = fields.value('momentum') ?? BATCHNORM_MOMENTUM;
    if (!finiteFloat32(epsilon) || !(Math.fround(epsilon) > 0)) {
      fields.where('"epsilon" must be a positive number, and above 0 as float32');
    }
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) {
      fields.where('"momentum" must be a number in [0, 1)');
    }
    const state = {
      gamma: fields.floats('gamma', inputs),
      beta: fields.floats('beta', inputs),
      movingMean: fields.floats('movingMean', inputs),
      movingVariance: fields.floats('movingVariance', inputs),
    };
    const negative = state.movingVariance.findIndex((v) => v < 0);
    if (negative >= 0) fields.where(`"movingVariance"[${negative}] is negative`);
    return new BatchNorm(engine, inputs, epsilon as number, momentum as number, state);
  }

  keras(): KerasLayer {
    return {
      className: 'BatchNormalization',
      config: { epsilon: this.epsilon, momentum: this.momentum },
      weights: this.state().map((values) => ({ values, shape: [this.inputs] })),
    };
  }
}

export class Activation implements Layer {
  readonly outputs: number;
  private readonly output: Scratch;
  private readonly inputGradient: Scratch;
  private lastOutput: Float32Array = new Float32Array(0);
  /** The last forward pass's input x (the pre-activations), for `preActivation`. */
  private lastInput: Float32Array = new Float32Array(0);

  constructor(
    private readonly engine: Engine,
    readonly type: ActivationName,
    readonly inputs: number,
  ) {
    this.outputs = inputs;
    this.output = new Scratch(engine);
    this.inputGradient = new Scratch(engine);
  }

  forward(input: LayerInput, batch: number): Float32Array {
    const x = (this.lastInput = denseInput(input, this.type));
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

  /** Mean and spread of the last forward pass's pre-activations, and the mean ∂y/∂x. */
  preActivation(batch: number): PreActivationStats {
    return preActivationStats(this.type, this.lastInput, this.lastOutput, batch * this.inputs);
  }

  parameters(): Parameter[] {
    return [];
  }

  state(): Float32Array[] {
    return [];
  }

  record(): LayerRecord {
    return { type: this.type, fields: [] };
  }

  keras(): KerasLayer {
    return { className: 'Activation', config: { activation: this.type }, weights: [] };
  }
}

/**
 * Reads each layer type of model.json (the softmax that ends a network is not a layer here: it
 * is fused with the loss).
 */
export const LAYER_READERS: Record<string, (fields: FieldReader, context: ReadContext) => Layer> = {
  dense: Dense.read,
  batchnorm: BatchNorm.read,
  ...Object.fromEntries(
    ACTIVATIONS.map((name) => [
      name,
      (_: FieldReader, { inputs, engine }: ReadContext) => new Activation(engine, name, inputs),
    ]),
  ),
};

// A classifier: input preparation, a stack of layers ending in logits, and the class names.
// The softmax at the end is applied by the loss (fused) or by `predict`.

import { UsageError } from '../errors.js';
import { grouped } from '../numbers.js';
import type { Random } from '../random.js';
import type { ActivationName } from './activations.js';
import type { Engine, LayerInput } from './engine.js';
import { Activation, BatchNorm, Dense, type Layer, type Parameter } from './layers.js';
import { softmaxForward } from './softmax.js';
import { predictions } from './tensor.js';

/** How pixels become network inputs: x = pixel · scale + offset, row-major. */
export interface InputSpec {
  height: number;
  width: number;
  scale: number;
  offset: number;
}

export const MNIST_INPUT: InputSpec = { height: 28, width: 28, scale: 1 / 255, offset: 0 };

export type Init = 'zeros' | 'xavier' | 'he';

/** Whether every value is a whole number 0–255: pixels that sparse rows can hold as bytes. */
function isBytes(values: ArrayLike<number>): boolean {
  if (values instanceof Uint8Array) return true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) return false;
  }
  return true;
}

export class Network {
  constructor(
    readonly input: InputSpec,
    readonly classes: string[],
    readonly layers: Layer[],
    readonly engine: Engine,
  ) {}

  private predictInput: Float32Array = new Float32Array(0);

  get inputSize(): number {
    return this.input.height * this.input.width;
  }

  /** x: (batch, inputSize), dense or sparse rows → logits: (batch, classes) */
  forward(x: LayerInput, batch: number, training: boolean): Float32Array {
    let activations: LayerInput = x;
    for (const layer of this.layers) activations = layer.forward(activations, batch, training);
    return activations as Float32Array;
  }

  /** dlogits: (batch, classes); overwrites every parameter's gradient with this batch's. */
  backward(dlogits: Float32Array, batch: number): void {
    let gradient = dlogits;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const dx = this.layers[l].backward(gradient, batch, l > 0);
      if (dx) gradient = dx;
    }
  }

  /** x: (batch, inputSize) → probabilities: (batch, classes), in inference mode. */
  predict(x: Float32Array, batch: number): Float32Array {
    // the input goes into the engine's memory first (the wasm engine computes only there)
    if (this.predictInput.length < x.length) this.predictInput = this.engine.allocate(x.length);
    this.predictInput.set(x);
    const logits = this.forward(this.predictInput.subarray(0, x.length), batch, false);
    return this.softmax(logits, batch);
  }

  /**
   * pixels: `count` images of values 0–255 (height × width each) → probabilities: (count,
   * classes), and each image's predicted class (the argmax of its logits), in inference mode.
   * Images of whole bytes go in as the engine's batches give them (Engine.imageInput): the
   * logits and classes of `evaluate` (and `eval`), bit for bit. Other values go in as dense
   * floats, pixel · scale + offset.
   */
  classify(
    pixels: ArrayLike<number>,
    count: number,
  ): { probabilities: Float32Array; predicted: Uint8Array } {
    if (pixels.length !== count * this.inputSize) {
      throw new Error(`${count} images of ${this.inputSize} pixels, not ${pixels.length} values`);
    }
    let logits: Float32Array;
    if (isBytes(pixels)) {
      const images = pixels instanceof Uint8Array ? pixels : Uint8Array.from(pixels);
      logits = this.forward(this.engine.imageInput(this.input, images, count), count, false);
    } else {
      const { scale, offset } = this.input;
      const x = Float32Array.from(pixels, (p) => p * scale + offset);
      if (this.predictInput.length < x.length) this.predictInput = this.engine.allocate(x.length);
      this.predictInput.set(x);
      logits = this.forward(this.predictInput.subarray(0, x.length), count, false);
    }
    const predicted = new Uint8Array(count);
    predictions(predicted, logits, count, this.classes.length);
    return { probabilities: this.softmax(logits, count), predicted };
  }

  /** logits: (batch, classes) → a new array of their softmax. */
  private softmax(logits: Float32Array, batch: number): Float32Array {
    const probabilities = new Float32Array(batch * this.classes.length);
    softmaxForward(probabilities, logits, batch, this.classes.length);
    return probabilities;
  }

  parameters(): { layer: number; parameter: Parameter }[] {
    return this.layers.flatMap((layer, index) =>
      layer.parameters().map((parameter) => ({ layer: index, parameter })),
    );
  }
}

/**
 * Initial weights for a dense layer (inputs, outputs); biases start at zero.
 *   zeros:  W = 0 (TensorFlow's beginner tutorial; fine for softmax regression only)
 *   xavier: W ~ U(−√(6/(in+out)), √(6/(in+out)))   (Glorot uniform, Keras' default)
 *   he:     W ~ U(−√(6/in), √(6/in))               (He uniform, for ReLU layers)
 */
export function initialWeights(
  init: Init,
  inputs: number,
  outputs: number,
  random: Random,
): Float32Array {
  const weights = new Float32Array(inputs * outputs);
  if (init === 'zeros') return weights;
  const limit = init === 'xavier' ? Math.sqrt(6 / (inputs + outputs)) : Math.sqrt(6 / inputs);
  for (let i = 0; i < weights.length; i++) weights[i] = random.uniform(-limit, limit);
  return weights;
}

export interface Architecture {
  /** Sizes of the hidden dense layers; empty for softmax regression. */
  hidden: number[];
  activation: ActivationName;
  batchnorm: boolean;
  /** 'auto': zeros for softmax regression; else he before ReLU and xavier elsewhere. */
  init: Init | 'auto';
}

export const SOFTMAX_REGRESSION: Architecture = {
  hidden: [],
  activation: 'relu',
  batchnorm: false,
  init: 'auto',
};

/** The init each dense layer gets: an explicit choice applies to all of them. */
function initFor(architecture: Architecture, followedByActivation: boolean): Init {
  if (architecture.init !== 'auto') return architecture.init;
  if (architecture.hidden.length === 0) return 'zeros';
  return followedByActivation && architecture.activation === 'relu' ? 'he' : 'xavier';
}

/** The init actually used, for the record: "zeros", "xavier", or "he, xavier (output)". */
export function describeInit(architecture: Architecture): string {
  const hidden = initFor(architecture, true);
  const output = initFor(architecture, false);
  return architecture.hidden.length === 0 || hidden === output
    ? output
    : `${hidden}, ${output} (output)`;
}

/** The rules an architecture must follow, checked before any data is read or any layer built. */
export function checkArchitecture(architecture: Architecture): void {
  if (architecture.init === 'zeros' && architecture.hidden.length > 0) {
    throw new UsageError(
      '--init zeros works only for softmax regression: hidden units that start equal stay equal; ' +
        'use --init he or xavier with --hidden',
    );
  }
  if (architecture.batchnorm && architecture.hidden.length === 0) {
    throw new UsageError('--batchnorm needs hidden layers (--hidden N)');
  }
}

/** model.json takes about this many bytes per number; a larger file is refused before training. */
const MODEL_BYTES_PER_NUMBER = 12;
const MAX_MODEL_BYTES = 400 * 1024 * 1024;
/** Memory a run may plan on (the wasm engine's is at most 4 GB, with its batches beside). */
const MAX_TRAINING_BYTES = 3 * 1024 * 1024 * 1024;

/**
 * Refuses, before any layer is built, a network whose model.json or whose training would not
 * fit: weights, gradients and two optimiser slots per parameter, and a batch's activations and
 * their gradients (a few arrays of batch × width per layer).
 */
export function checkNetworkSize(
  inputSize: number,
  classes: number,
  architecture: Architecture,
  batchSize: number,
): void {
  const widths = [inputSize, ...architecture.hidden, classes];
  let parameters = 0;
  for (let l = 1; l < widths.length; l++) parameters += widths[l - 1] * widths[l] + widths[l];
  const activations = batchSize * widths.reduce((sum, width) => sum + width, 0);
  const trainingBytes = 4 * (4 * parameters + 6 * activations);
  const modelBytes = MODEL_BYTES_PER_NUMBER * parameters;
  const size = `${widths.join('-')}: ${grouped(parameters)} parameters`;
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  if (modelBytes > MAX_MODEL_BYTES) {
    throw new UsageError(
      `--hidden ${architecture.hidden.join(',')}: a network of ${size}, whose model.json ` +
        `would take about ${mb(modelBytes)} (at most ${mb(MAX_MODEL_BYTES)})`,
    );
  }
  if (trainingBytes > MAX_TRAINING_BYTES) {
    throw new UsageError(
      `--hidden ${architecture.hidden.join(',')} --batch-size ${batchSize}: a network of ` +
        `${size} would take about ${mb(trainingBytes)} to train (at most ${mb(MAX_TRAINING_BYTES)})`,
    );
  }
}

/**
 * input → [dense → (batchnorm) → activation] per hidden layer → dense → logits.
 * The softmax is not a layer here: the loss applies it (fused with cross-entropy).
 */
export function buildNetwork(
  input: InputSpec,
  classes: string[],
  architecture: Architecture,
  random: Random,
  engine: Engine,
): Network {
  checkArchitecture(architecture);
  const layers: Layer[] = [];
  let size = input.height * input.width;
  for (const width of architecture.hidden) {
    const weights = initialWeights(initFor(architecture, true), size, width, random);
    layers.push(new Dense(engine, size, width, weights, undefined, !architecture.batchnorm));
    if (architecture.batchnorm) {
      layers.push(new BatchNorm(engine, width));
    }
    layers.push(new Activation(engine, architecture.activation, width));
    size = width;
  }
  const weights = initialWeights(initFor(architecture, false), size, classes.length, random);
  layers.push(new Dense(engine, size, classes.length, weights));
  return new Network(input, classes, layers, engine);
}

export function softmaxRegression(
  input: InputSpec,
  classes: string[],
  init: Init,
  random: Random,
  engine: Engine,
): Network {
  return buildNetwork(input, classes, { ...SOFTMAX_REGRESSION, init }, random, engine);
}

/** A short description: "784-256-10 (batchnorm, relu)". */
export function describeNetwork(network: Network): string {
  const sizes = [
    network.inputSize,
    ...network.layers.filter((layer) => layer instanceof Dense).map((layer) => layer.outputs),
  ];
  const others = new Set(network.layers.filter((l) => !(l instanceof Dense)).map((l) => l.type));
  return sizes.join('-') + (others.size ? ` (${[...others].join(', ')})` : '');
}

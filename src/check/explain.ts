// One sample through a network, laid open: each layer's output, the logits z, the softmax p,
// both losses and their gradients with respect to z, the softmax Jacobian, every parameter's
// gradient, and what one SGD step on this sample alone would do. Every number comes from the
// kernels training runs (the network's engine, src/train/losses.ts, model/softmax.ts), on the
// sample as a batch of 1.
//
// BatchNorm runs in inference mode throughout, with its moving statistics: a batch of one
// sample has variance 0, so training mode would normalise every unit to β. The step's gradient
// goes back through the same inference-mode map (batchnormBackwardInference, the moving
// statistics held constant), and the step leaves the moving statistics unchanged.

import { batchnormBackwardInference } from '../model/batchnorm.js';
import type { Engine, LayerInput } from '../model/engine.js';
import { Activation, BatchNorm, Dense, type Layer } from '../model/layers.js';
import { pixelInputs } from '../model/batches.js';
import type { Network } from '../model/network.js';
import { softmaxBackward, softmaxForward } from '../model/softmax.js';
import { lossAndGradient, LossBuffers, type LossName } from '../train/losses.js';

/** The formulas behind each quantity, as `explain --json` states them. */
export const FORMULAS = {
  input: 'x = pixel · scale + offset',
  dense: 'out = x W + b',
  batchnorm:
    'out = γ (x − moving mean) / √(moving variance + ε) + β   (inference mode: the moving statistics, not the batch of 1)',
  relu: 'out = max(0, x)',
  sigmoid: 'out = 1 / (1 + exp(−x))',
  tanh: 'out = tanh(x)',
  softmax: 'p_i = exp(z_i − max z) / Σ_j exp(z_j − max z)',
  crossEntropy: 'L = −Σ_i y_i ln p_i = logsumexp(z) − z_label',
  crossEntropyGradient: 'dL/dz = p − y',
  squaredError: 'L = (1/C) Σ_i (p_i − y_i)²   (C classes, as Keras meanSquaredError)',
  squaredErrorGradientP: 'dL/dp = dp = 2 (p − y) / C',
  jacobian: '∂p_i/∂z_j = p_i (δ_ij − p_j)',
  squaredErrorGradient: 'dL/dz = Jᵀ dp = (dp − dot(dp, p)) ⊙ p',
  denseGradient: 'dW = xᵀ dout,  db = dout,  dx = dout Wᵀ',
  batchnormGradient:
    'dγ = dout ⊙ x̂,  dβ = dout,  dx = dout ⊙ γ / √(moving variance + ε)   (x̂ = (x − moving mean) / √(moving variance + ε))',
  reluGradient: 'dx = dout ⊙ [out > 0]',
  sgdStep: 'θ ← θ − lr · dL/dθ   (every trained parameter; BatchNorm moving statistics unchanged)',
} as const;

export interface LayerRecord {
  index: number;
  type: string;
  inputs: number;
  outputs: number;
  /** The layer's output: (outputs). */
  output: Float32Array;
  /** BatchNorm: the statistics it normalised with (the moving ones: inference mode). */
  statistics?: { movingMean: Float32Array; movingVariance: Float32Array; epsilon: number };
}

export interface ParameterStep {
  layer: number;
  /** The layer's type and the parameter's name: "dense weights", "batchnorm gamma". */
  type: string;
  name: string;
  /** As the parameter: dense weights (inputs, outputs), row-major. */
  shape: number[];
  gradient: Float32Array;
  /** θ after − θ before, as float32 computed it: −lr · gradient, rounded. */
  update: Float32Array;
}

export interface StepRecord {
  loss: LossName;
  /** ∂L/∂z of this loss: what goes back through the network. */
  dlogits: Float32Array;
  parameters: ParameterStep[];
  logitsAfter: Float32Array;
  probabilitiesAfter: Float32Array;
  lossAfter: number;
}

export interface Explanation {
  classes: string[];
  /** The sample: (height × width) pixel bytes, and x, the network's input: (inputSize). */
  pixels: Uint8Array;
  input: Float32Array;
  label: number;
  layers: LayerRecord[];
  logits: Float32Array;
  probabilities: Float32Array;
  /** y, one-hot: (classes). */
  target: Float32Array;
  crossEntropy: { loss: number; dlogits: Float32Array };
  squaredError: {
    loss: number;
    dprobabilities: Float32Array;
    /** dot(dp, p): what the softmax's Jacobian subtracts from each dp_i. */
    dot: number;
    dlogits: Float32Array;
  };
  /** ∂p_i/∂z_j: (classes, classes), row i. */
  jacobian: Float32Array;
  learningRate: number;
  steps: Record<LossName, StepRecord>;
}

/** Buffers of one pass (forward and the backward of a loss), allocated once per network. */
interface LayerBuffers {
  output: Float32Array;
  inputGradient: Float32Array | null;
  /** The gradient of each of the layer's parameters, trained or not, by name. */
  gradients: Record<string, Float32Array>;
}

/**
 * Explains samples on one network. Its buffers live in the network's engine (whose memory is
 * never freed: reuse one Explainer for many samples); each Explanation holds copies. The
 * network is left as it was: a step's parameters are restored after its forward pass.
 */
export class Explainer {
  private readonly buffers: LayerBuffers[];
  private readonly lossBuffers: LossBuffers;
  private readonly classes: number;

  constructor(readonly network: Network) {
    const { engine, layers } = network;
    this.classes = network.classes.length;
    this.buffers = layers.map((layer, l) => ({
      output: engine.allocate(layer.outputs),
      inputGradient: l > 0 ? engine.allocate(layer.inputs) : null,
      gradients: gradientBuffers(engine, layer),
    }));
    this.lossBuffers = new LossBuffers(1, this.classes, engine);
  }

  /** `pixels`: height × width bytes (as the test set's or a prepared drawing's). */
  explain(pixels: Uint8Array, label: number, learningRate: number): Explanation {
    const { network, classes } = this;
    if (pixels.length !== network.inputSize) {
      throw new Error(
        `a sample of ${pixels.length} pixels for a ${network.inputSize}-input network`,
      );
    }
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new Error(`label ${label} is not one of the ${classes} classes`);
    }
    const input = new Float32Array(pixels.length);
    pixelInputs(input, 0, pixels, network.input);
    // the first layer's input as training gives it (the wasm engine: sparse rows of the pixels)
    const x = network.engine.imageInput(network.input, pixels, 1);
    const logits = this.forward(x, true);
    const layers = network.layers.map((layer, index) => this.layerRecord(layer, index));
    const labels = Uint8Array.of(label);
    const crossEntropy = this.loss('cross-entropy', logits, labels);
    const squaredError = this.loss('mse', logits, labels);
    const probabilities = softmax(logits);
    const dprobabilities = this.lossBuffers.dprobabilities.slice(0, classes);
    const target = new Float32Array(classes);
    target[label] = 1;
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += dprobabilities[j] * probabilities[j];
    return {
      classes: network.classes,
      pixels: pixels.slice(),
      input,
      label,
      layers,
      logits: logits.slice(),
      probabilities,
      target,
      crossEntropy,
      squaredError: { ...squaredError, dprobabilities, dot },
      jacobian: jacobian(probabilities),
      learningRate,
      steps: {
        'cross-entropy': this.step('cross-entropy', x, crossEntropy.dlogits, labels, learningRate),
        mse: this.step('mse', x, squaredError.dlogits, labels, learningRate),
      },
    };
  }

  /**
   * Applies to the network the step `explain` reports for this sample and loss: the same
   * forward, backward and engine.sgdStep on the same parameters, which then stay changed. Each
   * parameter moves by exactly the `update` of `explain(pixels, label, learningRate)` made just
   * before (the same float32 operations on the same values). Returns that step's record.
   */
  applyStep(pixels: Uint8Array, label: number, learningRate: number, loss: LossName): StepRecord {
    const explanation = this.explain(pixels, label, learningRate);
    const x = this.network.engine.imageInput(this.network.input, pixels, 1);
    const labels = Uint8Array.of(label);
    const dlogits = explanation.steps[loss].dlogits;
    return this.step(loss, x, dlogits, labels, learningRate, true);
  }

  /** The loss of the logits and its ∂L/∂z (the loss of a batch of 1: its mean is itself). */
  private loss(name: LossName, logits: Float32Array, labels: Uint8Array) {
    const { lossBuffers, classes } = this;
    const dlogits = lossAndGradient(name, lossBuffers, logits, labels, 1, classes);
    return { loss: lossBuffers.losses[0], dlogits: dlogits.slice(0, classes) };
  }

  /** Every layer's kernel on the engine, BatchNorm in inference mode; returns the logits. */
  private forward(x: LayerInput, backwardFollows: boolean): Float32Array {
    const { engine, layers } = this.network;
    let activations = x;
    layers.forEach((layer, l) => {
      const out = this.buffers[l].output;
      if (layer instanceof Dense) {
        const { weights, bias, inputs, outputs } = layer;
        engine.denseForward(out, activations, weights, bias, 1, inputs, outputs, backwardFollows);
      } else if (layer instanceof BatchNorm) {
        const { gamma, beta, movingMean, movingVariance, inputs, epsilon } = layer;
        const x = activations as Float32Array;
        const moving = [movingMean, movingVariance] as const;
        engine.batchnormForwardInference(out, x, gamma, beta, ...moving, 1, inputs, epsilon);
      } else if (layer instanceof Activation) {
        engine.activationForward(layer.type, out, activations as Float32Array, layer.outputs);
      } else {
        throw new Error(`explain does not know a ${layer.type} layer`);
      }
      activations = out;
    });
    return activations as Float32Array;
  }

  /** dlogits back through every layer into the parameters' gradient buffers. */
  private backward(x: LayerInput, dlogits: Float32Array): void {
    const { engine, layers } = this.network;
    let gradient = dlogits;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const { inputGradient: dx, gradients } = this.buffers[l];
      const input = l > 0 ? this.buffers[l - 1].output : x;
      if (layer instanceof Dense) {
        const { weights: dW, bias: db } = gradients;
        const { weights, inputs, outputs } = layer;
        engine.denseBackward(dx, dW, db, gradient, input, weights, 1, inputs, outputs);
      } else if (layer instanceof BatchNorm) {
        const { gamma, movingMean, movingVariance, inputs, epsilon } = layer;
        // prettier-ignore
        batchnormBackwardInference(
          dx!, gradients.gamma, gradients.beta, gradient,
          input as Float32Array, gamma, movingMean, movingVariance, 1, inputs, epsilon,
        );
      } else if (layer instanceof Activation && dx) {
        engine.activationBackward(layer.type, dx, gradient, this.buffers[l].output, layer.outputs);
      }
      if (dx) gradient = dx;
    }
  }

  /**
   * One SGD step on this sample with this loss's gradient (engine.sgdStep, no weight decay),
   * the forward pass after it, then every parameter restored (unless `keep`).
   */
  private step(
    loss: LossName,
    x: LayerInput,
    dlogits: Float32Array,
    labels: Uint8Array,
    learningRate: number,
    keep = false,
  ): StepRecord {
    const { engine, layers } = this.network;
    const dz = engine.allocate(this.classes);
    dz.set(dlogits);
    this.forward(x, true); // the activations the backward pass reads
    this.backward(x, dz);
    const parameters: ParameterStep[] = [];
    const saved: [Float32Array, Float32Array][] = [];
    try {
      layers.forEach((layer, l) => {
        for (const parameter of layer.parameters()) {
          const gradient = this.buffers[l].gradients[parameter.name];
          const before = parameter.value.slice();
          saved.push([parameter.value, before]);
          engine.sgdStep(parameter.value, gradient, learningRate, 0);
          const update = new Float32Array(before.length);
          for (let i = 0; i < update.length; i++) update[i] = parameter.value[i] - before[i];
          const shape =
            layer instanceof Dense && parameter.name === 'weights'
              ? [layer.inputs, layer.outputs]
              : [parameter.value.length];
          parameters.push({
            layer: l,
            type: layer.type,
            name: parameter.name,
            shape,
            gradient: gradient.slice(),
            update,
          });
        }
      });
      const after = this.forward(x, false);
      const logitsAfter = after.slice(0, this.classes);
      const { loss: lossAfter } = this.loss(loss, after, labels);
      const probabilitiesAfter = softmax(logitsAfter);
      return { loss, dlogits, parameters, logitsAfter, probabilitiesAfter, lossAfter };
    } finally {
      if (!keep) for (const [value, before] of saved) value.set(before);
    }
  }

  private layerRecord(layer: Layer, index: number): LayerRecord {
    const record: LayerRecord = {
      index,
      type: layer.type,
      inputs: layer.inputs,
      outputs: layer.outputs,
      output: this.buffers[index].output.slice(),
    };
    if (layer instanceof BatchNorm) {
      const { movingMean, movingVariance, epsilon } = layer;
      record.statistics = {
        movingMean: movingMean.slice(),
        movingVariance: movingVariance.slice(),
        epsilon,
      };
    }
    return record;
  }
}

/**
 * A gradient buffer for each parameter of a layer, trained or not (a dense layer before a
 * BatchNorm trains no bias, but its backward kernel writes one).
 */
function gradientBuffers(engine: Engine, layer: Layer): Record<string, Float32Array> {
  if (layer instanceof Dense) {
    return {
      weights: engine.allocate(layer.inputs * layer.outputs),
      bias: engine.allocate(layer.outputs),
    };
  }
  if (layer instanceof BatchNorm) {
    return { gamma: engine.allocate(layer.outputs), beta: engine.allocate(layer.outputs) };
  }
  return {};
}

/** The Jacobian of the softmax, row i = ∂p_i/∂z, from the softmax's own backward kernel. */
function jacobian(probabilities: Float32Array): Float32Array {
  const classes = probabilities.length;
  const result = new Float32Array(classes * classes);
  const unit = new Float32Array(classes);
  const row = new Float32Array(classes);
  for (let i = 0; i < classes; i++) {
    // dp = e_i gives dz_j = ∂p_i/∂z_j: the backward of p_i alone
    unit.fill(0);
    unit[i] = 1;
    row.fill(0);
    softmaxBackward(row, unit, probabilities, 1, classes);
    result.set(row, i * classes);
  }
  return result;
}

/** p = softmax(z) of one row, by the kernel the squared error's path uses. */
function softmax(logits: Float32Array): Float32Array {
  const probabilities = new Float32Array(logits.length);
  softmaxForward(probabilities, logits, 1, logits.length);
  return probabilities;
}

/** The rate of the step shown when none is asked for and the model records none (plain SGD's). */
const DEFAULT_STEP_RATE = 0.5;

/**
 * Where a step's rate is from when it is the run's base rate (`option`, as the run was given it:
 * `--lr`, or its optimiser's default), as the page and `explain` say it: the run's schedule and
 * rates set by hand while it ran are not applied to the step shown.
 */
export function baseRateSource(optimizer: unknown, schedule: unknown, option = '--lr'): string {
  const trained = typeof optimizer === 'string' ? optimizer : 'an unrecorded optimiser';
  return typeof schedule === 'string' && schedule !== 'constant'
    ? `the run's base rate, its ${option}; it trained with ${trained} on a ${schedule} schedule; ` +
        'neither the schedule nor a rate set by hand while it ran is applied here'
    : `the run's base rate, its ${option}; it trained with ${trained}; ` +
        'a rate set by hand while it ran is not applied here';
}

/**
 * The rate of the step shown when none is asked for: the run's base rate as model.json's
 * `training` records it, else DEFAULT_STEP_RATE; with where it is from.
 */
export function recordedStepRate(training: Record<string, unknown>): {
  rate: number;
  source: string;
} {
  const { learningRate: rate, optimizer, lrSchedule } = training;
  if (typeof rate === 'number' && rate > 0 && Number.isFinite(rate)) {
    return { rate, source: baseRateSource(optimizer, lrSchedule) };
  }
  return { rate: DEFAULT_STEP_RATE, source: 'the default: the model records no training rate' };
}

/** Explains one sample on `network` (its engine's kernels). */
export function explainSample(
  network: Network,
  pixels: Uint8Array,
  label: number,
  learningRate: number,
): Explanation {
  return new Explainer(network).explain(pixels, label, learningRate);
}

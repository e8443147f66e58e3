// The studio's step view: one sample through a run's model laid open (check/explain.ts), and
// that sample's SGD step applied to a copy of the model the server holds for the view. The copy
// is read from the run's model.json onto an engine of its own and is never written anywhere; a
// new epoch of the run (model.json changed) or `reset` replaces it with a fresh copy.
//
//   explain: {index} (a test image) or {pixels: 784 values 0–255, label}, optional reset
//     → the Explanation of the sample on the copy as it stands (float32 tensors as numbers)
//   step: the same sample → the copy moved by the step explain reported for it (the run's
//     loss, the learning rate explain used): p and the loss before and after, and for softmax
//     regression the weights (inputs × classes, row-major) before and after.

import { join } from 'node:path';
import { Explainer, type Explanation, type StepRecord } from '../check/explain.js';
import { readModelFile } from '../model/modelFile.js';
import { Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { LossName } from '../train/losses.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import type { Models } from './models.js';

/** The learning rate when the model records none: `explain`'s default (plain SGD's 0.5). */
const DEFAULT_STEP_RATE = 0.5;
/** Copies held at once (each on an engine whose memory is never freed); the oldest goes first. */
const MAX_COPIES = 4;

/** Bad input to the view (answered 400 with the message). */
export class StepViewInputError extends Error {}

export interface SampleRequest {
  index?: number;
  pixels?: Uint8Array;
  label?: number;
  reset: boolean;
}

interface Copy {
  version: number;
  network: Network;
  explainer: Explainer;
  learningRate: number;
  learningRateSource: string;
  loss: LossName;
  steps: number;
}

/** Checks a view's request body: {index} or {pixels, label}, and `reset`. */
export function sampleRequest(body: unknown, inputSize: number, classes: number): SampleRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StepViewInputError(
      'the body must be a JSON object: {"index"} or {"pixels", "label"}',
    );
  }
  const { index, pixels, label, reset } = body as Record<string, unknown>;
  if (reset !== undefined && typeof reset !== 'boolean') {
    throw new StepViewInputError('"reset" must be true or false');
  }
  if ((index === undefined) === (pixels === undefined)) {
    throw new StepViewInputError('give one sample: "index" (a test image) or "pixels" and "label"');
  }
  if (index !== undefined) {
    if (!(typeof index === 'number' && Number.isInteger(index) && index >= 0)) {
      throw new StepViewInputError(
        `"index" must be a whole number from 0, not ${JSON.stringify(index)}`,
      );
    }
    return { index, reset: reset === true };
  }
  if (
    !Array.isArray(pixels) ||
    pixels.length !== inputSize ||
    !pixels.every((p) => typeof p === 'number' && p >= 0 && p <= 255)
  ) {
    throw new StepViewInputError(`"pixels" must be ${inputSize} numbers from 0 to 255`);
  }
  if (!(typeof label === 'number' && Number.isInteger(label) && label >= 0 && label < classes)) {
    throw new StepViewInputError(`"label" must be a class from 0 to ${classes - 1}`);
  }
  const bytes = Uint8Array.from(pixels as number[], (p) => Math.round(p));
  return { pixels: bytes, label, reset: reset === true };
}

const list = (values: Float32Array) => Array.from(values);
const norm = (values: Float32Array) => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));

/** Softmax regression: one dense layer, whose weights the view draws as one image per class. */
function singleDense(network: Network): Dense | null {
  const [layer, ...rest] = network.layers;
  return layer instanceof Dense && rest.length === 0 ? layer : null;
}

/** A step's record as JSON: tensors in full for softmax regression, else their norms. */
function stepJson(step: StepRecord, full: boolean) {
  return {
    loss: step.loss,
    dlogits: list(step.dlogits),
    logitsAfter: list(step.logitsAfter),
    probabilitiesAfter: list(step.probabilitiesAfter),
    lossAfter: step.lossAfter,
    parameters: step.parameters.map((p) => ({
      layer: p.layer,
      type: p.type,
      name: p.name,
      shape: p.shape,
      gradientNorm: norm(p.gradient),
      updateNorm: norm(p.update),
      ...(full ? { gradient: list(p.gradient), update: list(p.update) } : {}),
    })),
  };
}

function explanationJson(e: Explanation, full: boolean) {
  return {
    classes: e.classes,
    pixels: Array.from(e.pixels),
    label: e.label,
    layers: e.layers.map((l) => ({
      index: l.index,
      type: l.type,
      inputs: l.inputs,
      outputs: l.outputs,
    })),
    logits: list(e.logits),
    probabilities: list(e.probabilities),
    target: list(e.target),
    crossEntropy: { loss: e.crossEntropy.loss, dlogits: list(e.crossEntropy.dlogits) },
    squaredError: {
      loss: e.squaredError.loss,
      dprobabilities: list(e.squaredError.dprobabilities),
      dot: e.squaredError.dot,
      dlogits: list(e.squaredError.dlogits),
    },
    learningRate: e.learningRate,
    steps: {
      'cross-entropy': stepJson(e.steps['cross-entropy'], full),
      mse: stepJson(e.steps.mse, full),
    },
  };
}

export class StepViews {
  private readonly copies = new Map<string, Copy>();

  constructor(
    private readonly models: Models,
    private readonly engine: EngineName,
  ) {}

  /** The view's copy of the run's model: fresh when asked, or when the run wrote a new one. */
  private async copy(id: string, folder: string, config: Record<string, unknown>, reset: boolean) {
    const version = this.models.modelVersion(folder);
    if (version === null) return null;
    const held = this.copies.get(id);
    if (held && held.version === version && !reset) return held;
    this.copies.delete(id);
    const model = await readModelFile(join(folder, 'model.json'), createEngine(this.engine));
    const rate = model.training.learningRate;
    const recorded = typeof rate === 'number' && rate > 0 && Number.isFinite(rate);
    const optimizer =
      typeof model.training.optimizer === 'string' ? model.training.optimizer : 'unknown';
    const lossName = model.training.loss ?? config.loss;
    const copy: Copy = {
      version,
      network: model.network,
      explainer: new Explainer(model.network),
      learningRate: recorded ? rate : DEFAULT_STEP_RATE,
      learningRateSource: recorded
        ? `the model's training rate; it trained with ${optimizer}`
        : 'the default: the model records no training rate',
      loss: lossName === 'mse' ? 'mse' : 'cross-entropy',
      steps: 0,
    };
    this.copies.set(id, copy);
    while (this.copies.size > MAX_COPIES) this.copies.delete(this.copies.keys().next().value!);
    return copy;
  }

  /** The sample the request names, checked against the network. */
  private async sample(
    folder: string,
    config: Record<string, unknown>,
    network: Network,
    body: unknown,
  ) {
    const request = sampleRequest(body, network.inputSize, network.classes.length);
    if (request.index === undefined) {
      return {
        request,
        pixels: request.pixels!,
        label: request.label!,
        description: 'your drawing',
      };
    }
    try {
      const image = await this.models.testImage(folder, config, request.index);
      return { request, ...image, description: `test image ${request.index}` };
    } catch (error) {
      if (error instanceof RangeError) throw new StepViewInputError(error.message);
      throw error;
    }
  }

  async explain(id: string, folder: string, config: Record<string, unknown>, body: unknown) {
    const network = await this.models.network(folder);
    if (!network) return null;
    const { request, pixels, label, description } = await this.sample(
      folder,
      config,
      network,
      body,
    );
    const copy = (await this.copy(id, folder, config, request.reset))!;
    const full = singleDense(copy.network) !== null;
    const explanation = copy.explainer.explain(pixels, label, copy.learningRate);
    return {
      run: id,
      sample: { index: request.index, description },
      loss: copy.loss,
      learningRateSource: copy.learningRateSource,
      stepsTaken: copy.steps,
      softmaxRegression: full,
      ...explanationJson(explanation, full),
    };
  }

  async step(id: string, folder: string, config: Record<string, unknown>, body: unknown) {
    const network = await this.models.network(folder);
    if (!network) return null;
    const { pixels, label } = await this.sample(folder, config, network, body);
    const copy = (await this.copy(id, folder, config, false))!;
    const dense = singleDense(copy.network);
    const weightsBefore = dense ? list(dense.weights) : null;
    const parametersBefore = copy.network.layers.flatMap((layer) =>
      layer.parameters().map((p) => norm(p.value)),
    );
    const before = copy.explainer.explain(pixels, label, copy.learningRate);
    const step = copy.explainer.applyStep(pixels, label, copy.learningRate, copy.loss);
    copy.steps++;
    const lossBefore = copy.loss === 'mse' ? before.squaredError.loss : before.crossEntropy.loss;
    let k = 0;
    return {
      run: id,
      loss: copy.loss,
      learningRate: copy.learningRate,
      stepsTaken: copy.steps,
      label,
      probabilitiesBefore: list(before.probabilities),
      probabilitiesAfter: list(step.probabilitiesAfter),
      lossBefore,
      lossAfter: step.lossAfter,
      weightsBefore,
      weightsAfter: dense ? list(dense.weights) : null,
      shape: dense ? [dense.inputs, dense.outputs] : null,
      parameters: step.parameters.map((p) => ({
        layer: p.layer,
        type: p.type,
        name: p.name,
        normBefore: parametersBefore[k++],
        normAfter: norm(
          copy.network.layers[p.layer].parameters().find((q) => q.name === p.name)!.value,
        ),
        updateNorm: norm(p.update),
      })),
    };
  }
}

// The studio's step view: one sample through a run's model laid open (check/explain.ts), and
// that sample's SGD step applied to a copy of the model the server holds for the view. Each open
// view (a page: the id it sends as "view") has its own copy of each run's model, so a fresh page
// starts from the run's model whatever another page stepped. The copy is read from the run's
// model.json onto an engine of its own and is never written anywhere; a new epoch of the run
// (model.json changed) or `reset` replaces it with a fresh copy. The answers are
// check/stepCopy.ts's, as the static page's worker gives them:
//
//   explain: {index} (a test image) or {pixels: 784 values 0–255, label}, optional reset and
//     view (requests without one share one copy)
//     → the Explanation of the sample on the copy as it stands (float32 tensors as numbers)
//   step: the same sample → the copy moved by the step explain reported for it (the run's
//     loss, the learning rate explain used: the run's base rate): p and the loss before and
//     after, and for softmax regression the weights (inputs × classes, row-major) before and
//     after.

import { join } from 'node:path';
import { recordedStepRate } from '../check/explain.js';
import { StepCopy } from '../check/stepCopy.js';
import { readModelFile } from '../model/modelFile.js';
import type { Network } from '../model/network.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import type { Models } from './models.js';

/**
 * Copies held at once, over every run and view (each on an engine whose memory is never freed);
 * the oldest goes first.
 */
const MAX_COPIES = 4;

/** Bad input to the view (answered 400 with the message). */
export class StepViewInputError extends Error {}

export interface SampleRequest {
  index?: number;
  pixels?: Uint8Array;
  label?: number;
  reset: boolean;
  /** The view asking ("" when it gives no id): whose copy. */
  view: string;
}

/** A view's id: what the page makes up once (a few letters, digits and hyphens). */
const VIEW_ID = /^[A-Za-z0-9-]{1,40}$/;

interface Copy {
  version: number;
  copy: StepCopy;
}

/** Checks a view's request body: {index} or {pixels, label}, `reset` and `view`. */
export function sampleRequest(body: unknown, inputSize: number, classes: number): SampleRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StepViewInputError(
      'the body must be a JSON object: {"index"} or {"pixels", "label"}',
    );
  }
  const { index, pixels, label, reset, view = '' } = body as Record<string, unknown>;
  if (reset !== undefined && typeof reset !== 'boolean') {
    throw new StepViewInputError('"reset" must be true or false');
  }
  if (!(view === '' || (typeof view === 'string' && VIEW_ID.test(view)))) {
    throw new StepViewInputError('"view" must be 1 to 40 letters, digits or hyphens');
  }
  const common = { reset: reset === true, view: view as string };
  if ((index === undefined) === (pixels === undefined)) {
    throw new StepViewInputError('give one sample: "index" (a test image) or "pixels" and "label"');
  }
  if (index !== undefined) {
    if (!(typeof index === 'number' && Number.isInteger(index) && index >= 0)) {
      throw new StepViewInputError(
        `"index" must be a whole number from 0, not ${JSON.stringify(index)}`,
      );
    }
    return { index, ...common };
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
  return { pixels: bytes, label, ...common };
}

export class StepViews {
  private readonly copies = new Map<string, Copy>();

  constructor(
    private readonly models: Models,
    private readonly engine: EngineName,
  ) {}

  /**
   * View `view`'s copy of run `id`'s model: fresh when asked, or when the run wrote a new one;
   * the last used is kept longest.
   */
  private async copy(
    id: string,
    view: string,
    folder: string,
    config: Record<string, unknown>,
    reset: boolean,
  ) {
    const version = this.models.modelVersion(folder);
    if (version === null) return null;
    const key = JSON.stringify([id, view]);
    const held = this.copies.get(key);
    this.copies.delete(key);
    if (held && held.version === version && !reset) {
      this.copies.set(key, held);
      return held.copy;
    }
    const model = await readModelFile(join(folder, 'model.json'), createEngine(this.engine));
    const { rate, source } = recordedStepRate(model.training);
    const lossName = model.training.loss ?? config.loss;
    const copy = new StepCopy(
      model.network,
      rate,
      source,
      lossName === 'mse' ? 'mse' : 'cross-entropy',
    );
    this.copies.set(key, { version, copy });
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
    const copy = (await this.copy(id, request.view, folder, config, request.reset))!;
    const sample = { index: request.index, description };
    return { run: id, ...copy.explain(pixels, label, sample) };
  }

  async step(id: string, folder: string, config: Record<string, unknown>, body: unknown) {
    const network = await this.models.network(folder);
    if (!network) return null;
    const { request, pixels, label } = await this.sample(folder, config, network, body);
    const copy = (await this.copy(id, request.view, folder, config, false))!;
    return { run: id, ...copy.step(pixels, label) };
  }
}

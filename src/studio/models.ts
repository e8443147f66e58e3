// The models of the studio's runs, read from their model.json again whenever it changes (after
// each epoch), with what the page shows of them: predictions for drawings, the weight tiles, the
// confusion matrix and the misclassified test digits.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkDataFits,
  loadDataset,
  resolveDataSource,
  type Dataset,
  type Split,
} from '../data/dataset.js';
import { readModelFile, type LoadedModel } from '../model/modelFile.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import type { Network } from '../model/network.js';
import { classifyPixels } from '../model/predict.js';
import { weightsPng, weightTiles, largestWeight } from '../report/weights.js';
import { evaluate, firstMistakes } from '../train/evaluate.js';
import type { RunEvaluation } from './api.js';

const MISCLASSIFIED_SHOWN = 24;

interface Cached<T> {
  version: number;
  value: T;
}

/** Test images evaluated between two turns of the event loop (predictions wait no longer). */
const SLICE = 250;

/**
 * `evaluate` over the split a slice at a time, yielding in between, so that the server answers
 * (a drawing's predictions above all) while a model is evaluated. The same figures as one call.
 */
async function evaluateInSlices(network: Network, split: Split) {
  const size = split.height * split.width;
  const classes = network.classes.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let lossSum = 0;
  for (let start = 0; start < split.count; start += SLICE) {
    const count = Math.min(SLICE, split.count - start);
    const slice = {
      ...split,
      count,
      images: split.images.subarray(start * size, (start + count) * size),
      labels: split.labels.subarray(start, start + count),
    };
    const part = evaluate(network, slice);
    lossSum += part.loss * count;
    part.confusion.forEach((row, t) => row.forEach((n, p) => (confusion[t][p] += n)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const correct = confusion.reduce((sum, row, t) => sum + row[t], 0);
  return {
    loss: lossSum / split.count,
    accuracy: correct / split.count,
    confusion,
    count: split.count,
  };
}

export class Models {
  /** `engine`: what the models are read onto, each onto one of its own (see `network`). */
  constructor(private readonly engine: EngineName) {}

  private readonly models = new Map<string, Cached<LoadedModel>>();
  private readonly evaluations = new Map<string, Cached<RunEvaluation>>();
  private readonly pictures = new Map<string, Cached<{ png: Buffer; largest: number }>>();
  private readonly datasets = new Map<string, Promise<Dataset>>();

  /** The version of a run's model.json (its modification time), or null without one. */
  private version(folder: string): number | null {
    try {
      return statSync(join(folder, 'model.json')).mtimeMs;
    } catch {
      return null;
    }
  }

  /**
   * The run's model as of its last finished epoch, or null before the first. A damaged
   * model.json is a ModelError naming it (the server answers 409).
   */
  private async model(folder: string): Promise<LoadedModel | null> {
    const version = this.version(folder);
    if (version === null) return null;
    const cached = this.models.get(folder);
    if (cached?.version === version) return cached.value;
    // each model gets an engine of its own, whose memory goes with it when the next replaces
    // it (a wasm engine's memory is never freed); on one thread, nothing to stop
    const model = await readModelFile(join(folder, 'model.json'), createEngine(this.engine));
    this.models.set(folder, { version, value: model });
    return model;
  }

  /** The run's model file as read (network, training record, data), or null before the first epoch. */
  loaded(folder: string): Promise<LoadedModel | null> {
    return this.model(folder);
  }

  /** The modification time of the run's model.json: a copy made of it is stale once this moves. */
  modelVersion(folder: string): number | null {
    return this.version(folder);
  }

  /**
   * Test image `index` of the data set the model records (or the run's --data): its pixels and
   * label, and how many test images there are. An index outside them is a RangeError.
   */
  async testImage(
    folder: string,
    config: Record<string, unknown>,
    index: number,
  ): Promise<{ pixels: Uint8Array; label: number; count: number }> {
    const model = await this.model(folder);
    if (!model) throw new Error('the run has no model yet (no epoch has finished)');
    const data = model.data?.source ?? (typeof config.data === 'string' ? config.data : undefined);
    const { test } = await this.dataset(data);
    checkDataFits(resolveDataSource(data), test, {
      file: join(folder, 'model.json'),
      ...model.network.input,
      classes: model.network.classes.length,
    });
    if (!(Number.isInteger(index) && index >= 0 && index < test.count)) {
      throw new RangeError(`"index" must be a test image from 0 to ${test.count - 1}`);
    }
    const size = test.height * test.width;
    const pixels = test.images.slice(index * size, (index + 1) * size);
    return { pixels, label: test.labels[index], count: test.count };
  }

  /** The run's network as of its last finished epoch, or null before the first. */
  async network(folder: string): Promise<Network | null> {
    return (await this.model(folder))?.network ?? null;
  }

  /** Probabilities of the classes for one image, `pixels` 0–255 light ink on black. */
  async predict(
    folder: string,
    pixels: number[],
  ): Promise<{ label: string; probabilities: number[] }> {
    const network = await this.network(folder);
    if (!network) throw new Error('the run has no model yet (no epoch has finished)');
    return classifyPixels(network, pixels);
  }

  /** The first layer's weights as tiles (as weights.png), with the |weight| in full colour. */
  async weights(folder: string): Promise<{ png: Buffer; largest: number } | null> {
    const network = await this.network(folder);
    if (!network) return null;
    const version = this.version(folder)!;
    const cached = this.pictures.get(folder);
    if (cached?.version === version) return cached.value;
    const tiles = weightTiles(network);
    const { height, width } = network.input;
    const value = { png: weightsPng(tiles, height, width), largest: largestWeight(tiles) };
    this.pictures.set(folder, { version, value });
    return value;
  }

  private dataset(data: string | undefined): Promise<Dataset> {
    const key = data ?? 'mnist';
    let dataset = this.datasets.get(key);
    if (!dataset) {
      dataset = loadDataset(resolveDataSource(data), { testOnly: true });
      this.datasets.set(key, dataset);
      dataset.catch(() => this.datasets.delete(key));
    }
    return dataset;
  }

  /** The model on its data set's test images: confusion matrix and misclassified digits. */
  async evaluation(folder: string, config: Record<string, unknown>): Promise<RunEvaluation | null> {
    const model = await this.model(folder);
    if (!model) return null;
    const { network } = model;
    const version = this.version(folder)!;
    const cached = this.evaluations.get(folder);
    if (cached?.version === version) return cached.value;
    const limit = typeof config.testLimit === 'number' ? config.testLimit : Infinity;
    // the data the model records (an absolute folder), as `eval` finds it: the run's --data may
    // be relative to wherever it was trained
    const data = model.data?.source ?? (typeof config.data === 'string' ? config.data : undefined);
    const { test: all } = await this.dataset(data);
    checkDataFits(resolveDataSource(data), all, {
      file: join(folder, 'model.json'),
      ...network.input,
      classes: network.classes.length,
    });
    const count = Math.min(all.count, limit);
    const size = all.height * all.width;
    const test = {
      ...all,
      count,
      images: all.images.subarray(0, count * size),
      labels: all.labels.subarray(0, count),
    };
    const evaluation = await evaluateInSlices(network, test);
    const misclassified = firstMistakes(network, test, MISCLASSIFIED_SHOWN).map(
      ({ index, predicted }) => ({
        index,
        label: network.classes[test.labels[index]],
        predicted: network.classes[predicted],
        pixels: Buffer.from(test.images.subarray(index * size, (index + 1) * size)).toString(
          'base64',
        ),
      }),
    );
    const value: RunEvaluation = {
      classes: network.classes,
      accuracy: evaluation.accuracy,
      loss: evaluation.loss,
      count: evaluation.count,
      confusion: evaluation.confusion,
      misclassified,
      height: all.height,
      width: all.width,
    };
    this.evaluations.set(folder, { version, value });
    return value;
  }
}

// Loss, accuracy and confusion matrix of a network on a split, in inference mode.

import type { Split } from '../data/dataset.js';
import { DataError } from '../errors.js';
import type { Engine } from '../model/engine.js';
import type { InputSpec, Network } from '../model/network.js';
import type { BatchSource } from '../model/batches.js';
import { LossBuffers, lossAndGradient, type LossName } from './losses.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** confusion[trueClass][predictedClass] = count */
  confusion: number[][];
  /** Accuracy of each true class (recall); null for a class with no samples. */
  perClass: (number | null)[];
  count: number;
}

/**
 * Refuses (DataError, as the loader refuses such files) a split that does not hold `count` images
 * of the network's size and as many labels, each a class of the network's (it may hold more: the
 * first `count` are evaluated).
 */
function checkSplit(network: Network, split: Split): void {
  const { count, height, width, images, labels } = split;
  const { input } = network;
  const classes = network.classes.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new DataError(`evaluate: the split's count ${String(count)} is not a whole number`);
  }
  if (height !== input.height || width !== input.width) {
    throw new DataError(
      `evaluate: the split's images are ${height}×${width}; the model takes ${input.height}×${input.width}`,
    );
  }
  if (!(images instanceof Uint8Array) || images.length < count * height * width) {
    throw new DataError(
      `evaluate: the split's images are ${images?.length} bytes; ${count} images of ` +
        `${height}×${width} need ${count * height * width}`,
    );
  }
  if (!(labels instanceof Uint8Array) || labels.length < count) {
    throw new DataError(`evaluate: the split has ${labels?.length} labels for ${count} images`);
  }
  const bad = labels.subarray(0, count).findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new DataError(
      `evaluate: label ${labels[bad]} at index ${bad} is outside 0..${classes - 1}`,
    );
  }
}

/** Loss, accuracy and confusion of `network` on `split`; throws DataError for a malformed split. */
export function evaluate(
  network: Network,
  split: Split,
  batchSize = 4096,
  loss: LossName = 'cross-entropy',
): Evaluation {
  checkSplit(network, split);
  const classes = network.classes.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  batchSize = Math.max(1, Math.min(batchSize, split.count)); // no buffer larger than the split
  const { source, buffers } = batchSourceFor(network, split, batchSize);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const batch = source.batch(start, size);
    const logits = network.forward(batch.input, size, false);
    lossAndGradient(loss, buffers, logits, batch.labels, size, classes); // the gradient unused
    for (let n = 0; n < size; n++) {
      lossSum += buffers.losses[n];
      const predicted = buffers.predicted[n];
      const label = batch.labels[n];
      confusion[label][predicted]++;
      if (predicted === label) correct++;
    }
  }
  const perClass = confusion.map((row, label) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[label] / total;
  });
  return {
    loss: split.count ? lossSum / split.count : NaN,
    accuracy: split.count ? correct / split.count : NaN,
    confusion,
    perClass,
    count: split.count,
  };
}

/**
 * The first `limit` images of `split` that the network gets wrong, with what it predicted (as
 * `evaluate` counts them: Network.classify gives its logits).
 */
export function firstMistakes(
  network: Network,
  split: Split,
  limit: number,
): { index: number; predicted: number }[] {
  const size = split.height * split.width;
  const mistakes: { index: number; predicted: number }[] = [];
  for (let n = 0; n < split.count && mistakes.length < limit; n++) {
    const pixels = split.images.subarray(n * size, (n + 1) * size);
    const [predicted] = network.classify(pixels, 1).predicted;
    if (predicted !== split.labels[n]) mistakes.push({ index: n, predicted });
  }
  return mistakes;
}

/**
 * The batches of a split for evaluation and the loss's buffers, kept from epoch to epoch: the
 * wasm engine's memory is never freed, so they are made once per split, engine, input spec
 * and number of classes.
 */
interface CachedSource {
  engine: Engine;
  input: InputSpec;
  batchSize: number;
  classes: number;
  source: BatchSource;
  buffers: LossBuffers;
}
const sources = new WeakMap<Split, CachedSource>();

function batchSourceFor(network: Network, split: Split, batchSize: number): CachedSource {
  const { engine, input } = network;
  const classes = network.classes.length;
  const cached = sources.get(split);
  if (
    cached?.engine === engine &&
    cached.input === input &&
    cached.batchSize >= batchSize &&
    cached.classes === classes
  ) {
    return cached;
  }
  const source = engine.batches(input, split, batchSize);
  source.startEpoch(null);
  const buffers = new LossBuffers(batchSize, classes, engine);
  const kept = { engine, input, batchSize, classes, source, buffers };
  sources.set(split, kept);
  return kept;
}

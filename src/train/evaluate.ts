// Loss, accuracy and confusion matrix of a network on a split, in inference mode.

import type { Split } from '../data/dataset.js';
import type { Network } from '../model/network.js';
import { argmax } from '../model/tensor.js';
import { createBatch, gatherBatch } from './batches.js';
import { LossBuffers, lossForward, type LossName } from './losses.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** confusion[trueClass][predictedClass] = count */
  confusion: number[][];
  /** Accuracy of each true class (recall); null for a class with no samples. */
  perClass: (number | null)[];
  count: number;
}

export function evaluate(
  network: Network,
  split: Split,
  batchSize = 1000,
  loss: LossName = 'cross-entropy',
): Evaluation {
  const classes = network.classes.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const batch = createBatch(batchSize, network.inputSize);
  const buffers = new LossBuffers(batchSize, classes);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    gatherBatch(batch, network, split, null, start, size);
    const logits = network.forward(batch.x, size, false);
    lossForward(loss, buffers, logits, batch.labels, size, classes);
    for (let n = 0; n < size; n++) {
      lossSum += buffers.losses[n];
      const predicted = argmax(logits, n * classes, classes);
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

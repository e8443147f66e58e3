// Batches: a permutation of the training set, cut into slices, gathered into network inputs.

import type { Split } from '../data/dataset.js';
import type { Network } from '../model/network.js';

/** One batch of network inputs and labels, reused from step to step. */
export interface Batch {
  /** (size, inputSize) */
  x: Float32Array;
  /** (size) */
  labels: Uint8Array;
  size: number;
}

export function createBatch(capacity: number, inputSize: number): Batch {
  return { x: new Float32Array(capacity * inputSize), labels: new Uint8Array(capacity), size: 0 };
}

/** Fills `batch` with the samples `order[start .. start + count)` of `split`. */
export function gatherBatch(
  batch: Batch,
  network: Network,
  split: Split,
  order: Uint32Array | null,
  start: number,
  count: number,
): void {
  const inputSize = split.height * split.width;
  const { scale, offset } = network.input;
  for (let k = 0; k < count; k++) {
    const sample = order ? order[start + k] : start + k;
    const pixels = split.images.subarray(sample * inputSize, (sample + 1) * inputSize);
    const row = k * inputSize;
    for (let i = 0; i < inputSize; i++) batch.x[row + i] = pixels[i] * scale + offset;
    batch.labels[k] = split.labels[sample];
  }
  batch.size = count;
}

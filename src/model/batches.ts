// Batches of a split, in the order of an epoch, in the form an engine takes them. An engine
// makes its own (Engine.batches): the reference engine the dense form below, each batch
// gathered into (size, inputSize) floats, pixel · scale + offset; the wasm engine the images'
// nonzero pixels as sparse rows (wasm/sparseBatches.ts) where it can.

import type { Split } from '../data/dataset.js';
import type { Engine, LayerInput } from './engine.js';
import type { InputSpec } from './network.js';

/** x[at + i] = pixels[i] · scale + offset: a network's inputs from an image's bytes. */
export function pixelInputs(x: Float32Array, at: number, pixels: Uint8Array, input: InputSpec) {
  const { scale, offset } = input;
  for (let i = 0; i < pixels.length; i++) x[at + i] = pixels[i] * scale + offset;
}

export interface Batch {
  input: LayerInput;
  /** (size) */
  labels: Uint8Array;
  size: number;
  /** The inputs as dense (size, inputSize) floats, whatever the form (for the tfjs shadow). */
  dense(): Float32Array;
}

export interface BatchSource {
  readonly count: number;
  /** Puts the samples in `order` (null: file order) for the batches that follow. */
  startEpoch(order: Uint32Array | null): void;
  /** A hint: the next startEpoch will probably be given `order`. */
  prefetch?(order: Uint32Array): void;
  batch(start: number, size: number): Batch;
}

export class DenseBatches implements BatchSource {
  readonly count: number;
  private readonly x: Float32Array;
  private readonly labels: Uint8Array;
  private order: Uint32Array | null = null;
  private readonly inputSize: number;
  /** The split's images, read (from their file, if they are still there) before any epoch. */
  private readonly images: Uint8Array;

  constructor(
    engine: Engine,
    private readonly input: InputSpec,
    private readonly split: Split,
    capacity: number,
  ) {
    this.count = split.count;
    this.inputSize = split.height * split.width;
    this.images = split.images;
    this.x = engine.allocate(capacity * this.inputSize);
    this.labels = new Uint8Array(capacity);
  }

  startEpoch(order: Uint32Array | null): void {
    this.order = order;
  }

  /** Gathers samples order[start .. start + size): x = pixel · scale + offset. */
  batch(start: number, size: number): Batch {
    const { split, images, inputSize, x, labels, order } = this;
    for (let k = 0; k < size; k++) {
      const sample = order ? order[start + k] : start + k;
      const pixels = images.subarray(sample * inputSize, (sample + 1) * inputSize);
      pixelInputs(x, k * inputSize, pixels, this.input);
      labels[k] = split.labels[sample];
    }
    return { input: x, labels, size, dense: () => x.subarray(0, size * inputSize) };
  }
}

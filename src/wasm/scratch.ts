// The wasm engine's scratch: arrays in its memory that kernels work in between their inputs and
// outputs, kept from call to call and replaced by longer ones when a call needs more (memory is
// never freed, so they only grow). Each belongs to one engine, and to one job.

import type { ArraySpace, WasmMemory } from './memory.js';

/** An array reused while long enough, replaced when not (its contents are not kept then). */
class Grown<T extends { length: number }> {
  private array: T | null = null;

  constructor(private readonly make: (count: number) => T) {}

  /** At least `count` elements; a new array holds `capacity` (room to grow into). */
  get(count: number, capacity = count): T {
    if (!this.array || this.array.length < count) this.array = this.make(capacity);
    return this.array;
  }
}

/** A batch's sparse rows turned into columns (sparseColumns), for its dense layer's backward pass. */
export interface Columns {
  start: Uint32Array;
  sample: Uint32Array;
  value: Float32Array;
}

export class Scratch {
  /** Images on their way into sparse rows, a chunk at a time. */
  readonly images: Grown<Uint8Array>;
  /** Where each image's sparse row starts, for rows made in an order other than the file's. */
  readonly imageStarts: Grown<Uint32Array>;
  /** A batch's labels, copied into the memory for softmaxCrossEntropy. */
  readonly labels: Grown<Uint8Array>;
  /** The per-block sums of sumOfSquares. */
  readonly partials: Grown<Float64Array>;
  /** The narrow dense kernels' Wᵀ and dWᵀ, or padded rows of dW. */
  readonly narrow: Grown<Float32Array>;
  /** Dense inputs of Engine.imageInput (where sparse rows cannot hold them). */
  readonly inputs: Grown<Float32Array>;
  /** The sparse rows of Engine.imageInput. */
  readonly inputRows: ArraySpace;
  /** The BatchNorm kernels' per-feature arrays, three by feature count. */
  private readonly features = new Map<number, Float32Array[]>();
  private columns: Columns | null = null;
  /** The input whose columns `columns` holds (built by the training forward pass), if any. */
  columnsOf: object | null = null;

  constructor(private readonly memory: WasmMemory) {
    this.images = new Grown((count) => memory.bytes(count));
    this.imageStarts = new Grown((count) => memory.words(count));
    this.labels = new Grown((count) => memory.bytes(count));
    this.partials = new Grown((count) => memory.doubles(count));
    this.narrow = new Grown((count) => memory.floats(count));
    this.inputs = new Grown((count) => memory.floats(count));
    const rowStart = new Grown((count) => memory.words(count));
    const index = new Grown((count) => memory.halves(count));
    const value = new Grown((count) => memory.bytes(count));
    this.inputRows = {
      words: (count) => rowStart.get(count),
      halves: (count) => index.get(count),
      bytes: (count) => value.get(count),
    };
  }

  /** Three arrays of `features` floats for the BatchNorm kernels. */
  batchnorm(features: number): Float32Array[] {
    let arrays = this.features.get(features);
    if (!arrays) {
      const { memory } = this;
      arrays = [memory.floats(features), memory.floats(features), memory.floats(features)];
      this.features.set(features, arrays);
    }
    return arrays;
  }

  /** Columns for a batch of `nonzeros` pixels of `inputs`: room for twice as many when new. */
  columnsFor(inputs: number, nonzeros: number): Columns {
    let columns = this.columns;
    if (!columns || columns.start.length !== inputs + 1 || columns.sample.length < nonzeros) {
      const capacity = 2 * nonzeros;
      const { memory } = this;
      columns = this.columns = {
        start: memory.words(inputs + 1),
        sample: memory.words(capacity),
        value: memory.floats(capacity),
      };
      this.columnsOf = null;
    }
    return columns;
  }
}

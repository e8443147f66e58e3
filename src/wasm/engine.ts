// The fast engine: every array of a network lives in one WebAssembly memory, and the kernels
// (dense layers on sparse or dense input, BatchNorm, ReLU, softmax with cross-entropy, the
// optimisers' updates) run there with 128-bit SIMD (src/wasm/assembly), the large ones shared
// among worker threads (threads.ts). Which kernels compute which reference function, and when
// each is chosen, is one table: kernelTable.ts. Squared error, sigmoid and tanh are rare and
// stay in the reference TypeScript, which works on the same arrays.
//
// The memory is shared (a SharedArrayBuffer): growing it does not detach the arrays already
// handed out, so allocation can grow it at any time.

import { readFileSync } from 'node:fs';
import { ACTIVATION_KERNELS } from '../model/activations.js';
import type { Split } from '../data/dataset.js';
import { DenseBatches, type BatchSource } from '../model/batches.js';
import {
  isSparse,
  referenceEngine,
  type ColumnBlocks,
  type CompressedRows,
  type Engine,
  type SparseRows,
} from '../model/engine.js';
import type { InputSpec } from '../model/network.js';
import type { EngineName } from './engineNames.js';
import type { KernelFunction, ParallelKernel } from './threadProtocol.js';
import { BLOCK, choose, SAMPLES_BLOCK, SUM_BLOCK } from './kernelTable.js';
import { MAX_SPARSE_PIXELS, SparseBatches } from './sparseBatches.js';
import { ThreadPool } from './threads.js';

/** Built by `npm run build` from src/wasm/assembly/kernels.ts; src/ and dist/ are siblings. */
const WASM_FILE = new URL('../../dist/wasm/kernels.wasm', import.meta.url);
const PAGE = 65536;
/** Bytes after each array that kernels may read (whole vectors over a row's end), never write. */
const PAD = 64;
/** Samples per block when threads reorder the sparse rows. */
const ROWS_BLOCK = 4096;
/** Bytes of images that compressImages copies into the memory at a time. */
const IMAGES_CHUNK_BYTES = 1 << 22;
/** Elements per block of the parameter updates; shorter parameters are updated on one thread. */
const UPDATE_BLOCK = 16384;

type Pointer = number;

/** The exports of kernels.wasm: pointers are byte offsets into the memory, sizes are counts. */
type Kernels = Record<string, KernelFunction> & {
  staticEnd(): Pointer;
};

/** Compiled modules by file: normally the one, kernels.wasm (scripts/kernel-ab.mjs loads two). */
const compiled = new Map<string, WebAssembly.Module>();

function kernelsModule(file: URL = WASM_FILE): WebAssembly.Module {
  let module = compiled.get(file.href);
  if (!module) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new Error(`${file.pathname} is missing: run \`npm run build\``);
    }
    module = new WebAssembly.Module(bytes);
    compiled.set(file.href, module);
  }
  return module;
}

/** The byte offset of an array in the engine's memory: what the kernels take. */
function pointer(array: ArrayBufferView): Pointer {
  if (!(array.buffer instanceof SharedArrayBuffer)) {
    throw new Error('the wasm engine was given an array that is not in its memory');
  }
  return array.byteOffset;
}

export class WasmEngine implements Engine {
  readonly name = 'wasm';
  readonly memory: WebAssembly.Memory;
  private readonly kernels: Kernels;
  private readonly pool: ThreadPool | null;
  /** Next free byte: arrays come after the kernels' static data (never at 0, "no array"). */
  private top: number;
  /** Per-feature scratch arrays of the BatchNorm kernels, by feature count. */
  private readonly scratch = new Map<number, Float32Array[]>();

  /**
   * `threads` > 1 runs the large kernels on that many threads (see threads.ts). `kernels`: another
   * build of kernels.wasm (for A/B measurements of kernel changes).
   */
  constructor(threads = 1, kernels: URL = WASM_FILE) {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    const module = kernelsModule(kernels);
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    this.kernels = instance.exports as unknown as Kernels;
    this.top = Math.max(16, this.kernels.staticEnd());
    this.pool = threads > 1 ? new ThreadPool(module, this.memory, threads) : null;
  }

  /** Stops the worker threads, if any. */
  close(): void {
    this.pool?.close();
  }

  /**
   * Runs a kernel whose last two arguments are a range [start, end) of `length`, block by
   * block: the blocks are shared out among the threads when there are several and at least two
   * blocks. The blocks are the same with any number of threads.
   */
  private parallel(kernel: ParallelKernel, args: number[], length: number, granularity: number) {
    const local = this.kernels[kernel];
    if (this.pool && length >= 2 * granularity) {
      this.pool.run(kernel, local, args, length, granularity);
      return;
    }
    for (let start = 0; start < length; start += granularity) {
      local(...args, start, Math.min(length, start + granularity));
    }
  }

  private reserve(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes + PAD; // kernels may read (never write) past the end of an array
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  allocate(length: number): Float32Array {
    const at = this.reserve(4 * length); // before reading .buffer: reserving may grow it
    return new Float32Array(this.memory.buffer, at, length);
  }

  allocateBytes(bytes: number): Uint8Array {
    const at = this.reserve(bytes);
    return new Uint8Array(this.memory.buffer, at, bytes);
  }

  /** `count` uint32 in the memory (row starts, sample orders). */
  allocateWords(count: number): Uint32Array {
    const at = this.reserve(4 * count);
    return new Uint32Array(this.memory.buffer, at, count);
  }

  /** `count` uint16 in the memory (pixel indices, samples of a block). */
  allocateHalves(count: number): Uint16Array {
    const at = this.reserve(2 * count);
    return new Uint16Array(this.memory.buffer, at, count);
  }

  /** Bytes handed out so far. */
  get allocatedBytes(): number {
    return this.top;
  }

  private scratchFor(features: number): Float32Array[] {
    let arrays = this.scratch.get(features);
    if (!arrays) {
      arrays = [this.allocate(features), this.allocate(features), this.allocate(features)];
      this.scratch.set(features, arrays);
    }
    return arrays;
  }

  /** Scratch for a batch's sparse rows turned into columns: grown when a batch needs more. */
  private columns: {
    start: Uint32Array;
    sample: Uint32Array;
    value: Float32Array;
  } | null = null;

  /** The input whose columns the scratch holds (built by the forward pass). */
  private columnsOf: SparseRows | null = null;

  private columnsFor(inputs: number, nonzeros: number) {
    let columns = this.columns;
    if (!columns || columns.start.length !== inputs + 1 || columns.sample.length < nonzeros) {
      const capacity = 2 * nonzeros;
      columns = this.columns = {
        start: this.allocateWords(inputs + 1),
        sample: this.allocateWords(capacity),
        value: this.allocate(capacity),
      };
    }
    return columns;
  }

  private narrow: Float32Array | null = null;

  /** Scratch for the narrow dense kernels (Wᵀ and dWᵀ, or padded rows of dW). */
  private narrowScratch(floats: number): Float32Array {
    if (!this.narrow || this.narrow.length < floats) this.narrow = this.allocate(floats);
    return this.narrow;
  }

  /**
   * Sparse rows where they hold the input: zero pixels must be zero inputs (no offset), and the
   * rows index pixels with 16 bits; dense batches otherwise.
   */
  batches(input: InputSpec, split: Split, capacity: number): BatchSource {
    const sparse = input.offset === 0 && split.height * split.width <= MAX_SPARSE_PIXELS;
    return sparse
      ? new SparseBatches(this, input, split)
      : new DenseBatches(this, input, split, capacity);
  }

  /** Scratch for images on their way into sparse rows, grown as needed. */
  private images: Uint8Array = new Uint8Array(0);

  /**
   * The sparse rows of `count` images of `pixels` bytes, in this engine's memory. The images
   * pass through scratch memory a chunk at a time, twice: the first pass counts each image's
   * nonzero pixels (which gives the row starts and the size of the rows), the second writes them.
   * Threads share each chunk by its images.
   */
  compressImages(images: Uint8Array, count: number, pixels: number): CompressedRows {
    const p = pointer;
    const chunk = Math.max(1, Math.floor(IMAGES_CHUNK_BYTES / pixels));
    if (this.images.length < Math.min(count, chunk) * pixels) {
      this.images = this.allocateBytes(Math.min(count, chunk) * pixels);
    }
    const rowStart = this.allocateWords(count + 1);
    const eachChunk = (pass: (first: number, size: number) => void) => {
      for (let first = 0; first < count; first += chunk) {
        const size = Math.min(chunk, count - first);
        this.images.set(images.subarray(first * pixels, (first + size) * pixels));
        pass(first, size);
      }
    };
    eachChunk((first, size) => {
      const counts = p(rowStart) + 4 * (first + 1); // counts into rowStart[n + 1] …
      this.parallel('countNonzeros', [counts, p(this.images), pixels], size, SAMPLES_BLOCK);
    });
    rowStart[0] = 0;
    for (let n = 0; n < count; n++) rowStart[n + 1] += rowStart[n]; // … summed into row starts
    const nonzero = rowStart[count];
    const index = this.allocateHalves(nonzero);
    const value = this.allocateBytes(nonzero);
    eachChunk((first, size) => {
      const args = [p(rowStart) + 4 * first, p(index), p(value), p(this.images), pixels];
      this.parallel('compressRows', args, size, SAMPLES_BLOCK);
    });
    return { rowStart, index, value };
  }

  /**
   * The columns of a batch of sparse rows, in blocks of SUM_BLOCK samples (sparseColumnBlocks),
   * in this engine's memory; threads share the blocks.
   */
  columnBlocks(rows: SparseRows, batch: number, inputs: number): ColumnBlocks {
    const p = pointer;
    const blocks = Math.ceil(batch / SUM_BLOCK);
    const nonzero = rows.rowStart[batch] - rows.rowStart[0];
    const columns: ColumnBlocks = {
      start: this.allocateWords(blocks * (inputs + 1)),
      sample: this.allocateHalves(nonzero),
      value: this.allocateBytes(nonzero),
    };
    const args = [
      p(columns.start),
      p(columns.sample),
      p(columns.value),
      p(rows.rowStart),
      p(rows.index),
      p(rows.value),
      batch,
      inputs,
      SUM_BLOCK,
    ];
    this.parallel('sparseColumnBlocks', args, blocks, 1);
    return columns;
  }

  /** Whether gatherRows can work in the background (there are threads besides this one). */
  get canWorkInBackground(): boolean {
    return this.pool !== null;
  }

  /**
   * Copies the rows of the samples `order` (in that order) from one set of sparse rows to
   * another. `background`: on the other threads while this one goes on, if there are any; the
   * rows are ready after finishBackground.
   */
  gatherRows = (
    to: CompressedRows,
    from: CompressedRows,
    order: Uint32Array,
    background = false,
  ): void => {
    const p = pointer;
    this.kernels.rowStartsInOrder(p(to.rowStart), p(from.rowStart), p(order), order.length);
    const args = [
      p(to.rowStart),
      p(to.index),
      p(to.value),
      p(from.rowStart),
      p(from.index),
      p(from.value),
      p(order),
    ];
    if (background && this.pool) {
      this.pool.start('copyRows', this.kernels.copyRows, args, order.length, ROWS_BLOCK);
    } else {
      this.parallel('copyRows', args, order.length, ROWS_BLOCK);
    }
  };

  /** Waits for what was started in the background, if anything. */
  finishBackground = (): void => {
    this.pool?.finish();
  };

  /** The labels of a batch, copied into the memory for softmaxCrossEntropy. */
  private labels: Uint8Array = new Uint8Array(0);

  softmaxCrossEntropy: Engine['softmaxCrossEntropy'] = (
    losses,
    dlogits,
    predicted,
    logits,
    labels,
    batch,
    classes,
    scale,
  ) => {
    if (this.labels.length < batch) this.labels = this.allocateBytes(batch);
    this.labels.set(labels.subarray(0, batch));
    const p = pointer;
    const args = [p(losses), p(dlogits), p(predicted), p(logits), p(this.labels), classes, scale];
    this.parallel('softmaxCrossEntropy', args, batch, SAMPLES_BLOCK);
  };

  /** The per-block sums of sumOfSquares. */
  private partials: Float64Array = new Float64Array(0);

  sumOfSquares = (values: Float32Array): number => {
    const blocks = Math.ceil(values.length / UPDATE_BLOCK);
    if (this.partials.length < blocks) {
      const bytes = this.allocateBytes(8 * blocks);
      this.partials = new Float64Array(bytes.buffer, bytes.byteOffset, blocks);
    }
    const args = [pointer(values), pointer(this.partials), UPDATE_BLOCK];
    this.parallel('sumOfSquares', args, values.length, UPDATE_BLOCK);
    let sum = 0;
    for (let b = 0; b < blocks; b++) sum += this.partials[b];
    return sum;
  };

  // prettier-ignore
  denseForward: Engine['denseForward'] = (out, x, W, b, batch, inputs, outputs, training) => {
    const p = pointer;
    const c = { sparse: isSparse(x), outputs, batch, training: training === true, columns: false };
    const [kernel] = choose('model/dense.ts denseForward', c).kernels;
    if (isSparse(x)) {
      const { rowStart, index, value, scale } = x;
      const rows = [p(out), p(rowStart), p(index), p(value), scale, p(W), p(b)];
      if (kernel === 'sparseDenseForwardAndColumns') {
        // one more block after the outputs' builds the columns that the backward pass will need
        const columns = this.columnsFor(inputs, rowStart[batch] - rowStart[0]);
        const args = [
          ...rows, batch, inputs, outputs, p(columns.start), p(columns.sample), p(columns.value),
        ];
        this.parallel(kernel, args, Math.ceil(outputs / BLOCK) * BLOCK + 1, BLOCK);
        this.columnsOf = x;
      } else if (kernel === 'sparseDenseForwardSamples') {
        // one block of outputs: threads share the samples instead
        this.parallel(kernel, [...rows, outputs], batch, SAMPLES_BLOCK);
      } else {
        this.parallel('sparseDenseForward', [...rows, batch, outputs], outputs, BLOCK);
      }
    } else if (kernel === 'denseForwardNarrow') {
      const padded = p(this.narrowScratch(inputs * 12)); // rows of 12 floats
      this.kernels.denseForwardNarrow(p(out), p(x), p(W), p(b), padded, batch, inputs, outputs);
    } else {
      const args = [p(out), p(x), p(W), p(b), batch, inputs, outputs];
      this.parallel('denseForward', args, outputs, BLOCK);
    }
  };

  // prettier-ignore
  denseBackward: Engine['denseBackward'] = (dx, dW, db, dout, x, W, batch, inputs, outputs) => {
    const p = pointer;
    const columns = isSparse(x) && batch > SUM_BLOCK ? x.columns : undefined;
    const c = { sparse: isSparse(x), outputs, batch, training: true, columns: columns !== undefined };
    const { kernels } = choose('model/dense.ts denseBackward', c);
    if (isSparse(x)) {
      if (dx) throw new Error('no input gradient for sparse input (it is the data)');
      const { rowStart, index, value, scale } = x;
      this.kernels.sumRows(p(db), p(dout), batch, outputs);
      if (kernels.includes('sparseDenseBackwardNarrow')) {
        const rows = [p(rowStart), p(index), p(value)];
        const padded = p(this.narrowScratch(inputs * 16)); // rows of 16 floats: a cache line each
        this.kernels.sparseDenseBackwardNarrow(
          p(dW), p(dout), ...rows, scale, batch, inputs, outputs, padded,
        );
      } else if (kernels.includes('sumNarrowBlocks')) {
        // each block of SUM_BLOCK samples into its own padded rows, by the batch's kept columns
        // or by its rows, then the blocks added in order
        const blocks = Math.ceil(batch / SUM_BLOCK);
        const partials = p(this.narrowScratch(blocks * inputs * 16));
        if (kernels.includes('sparseDenseBackwardNarrowColumns')) {
          const { start, sample, value: values } = columns!();
          const args = [
            partials, p(dout), p(start), p(sample), p(values), scale, inputs, outputs, SUM_BLOCK,
          ];
          this.parallel('sparseDenseBackwardNarrowColumns', args, blocks, 1);
        } else {
          const args = [
            partials, p(dout), p(rowStart), p(index), p(value), scale, batch, inputs, outputs, SUM_BLOCK,
          ];
          this.parallel('sparseDenseBackwardNarrowBlocks', args, blocks, 1);
        }
        this.kernels.sumNarrowBlocks(p(dW), partials, blocks, inputs, outputs);
      } else {
        const columns = this.columnsFor(inputs, rowStart[batch] - rowStart[0]);
        const [start, sample, values] = [p(columns.start), p(columns.sample), p(columns.value)];
        if (this.columnsOf !== x) {
          this.kernels.sparseColumns(p(rowStart), p(index), p(value), scale, batch, inputs, start, sample, values);
        }
        const args = [p(dW), p(dout), start, sample, values, inputs, outputs];
        this.parallel('sparseDenseBackward', args, outputs, BLOCK);
      }
    } else if (kernels.includes('denseBackwardNarrow')) {
      const transposed = p(this.narrowScratch(2 * inputs * outputs));
      this.kernels.denseBackwardNarrow(
        dx ? p(dx) : 0, p(dW), p(db), p(dout), p(x), p(W), transposed, batch, inputs, outputs,
      );
    } else {
      this.kernels.sumRows(p(db), p(dout), batch, outputs);
      const args = [p(dW), p(dout), p(x), batch, inputs, outputs];
      this.parallel('denseBackwardWeights', args, outputs, BLOCK);
      if (dx) this.kernels.denseBackwardInput(p(dx), p(dout), p(W), batch, inputs, outputs);
    }
  };

  // prettier-ignore
  batchnormForwardTraining: Engine['batchnormForwardTraining'] = (
    out, normalized, inverseStd, x, gamma, beta, movingMean, movingVariance, batch, features,
    epsilon, momentum,
  ) => {
    const p = pointer;
    const [mean] = this.scratchFor(features);
    const args = [
      p(out), p(normalized), p(inverseStd), p(mean), p(x), p(gamma), p(beta), p(movingMean),
      p(movingVariance), batch, features, epsilon, momentum,
    ];
    this.parallel('batchnormForwardTraining', args, features, BLOCK);
  };

  // prettier-ignore
  batchnormForwardInference: Engine['batchnormForwardInference'] = (
    out, x, gamma, beta, movingMean, movingVariance, batch, features, epsilon,
  ) => {
    const p = pointer;
    const [scale, shift] = this.scratchFor(features);
    this.kernels.batchnormForwardInference(
      p(out), p(x), p(gamma), p(beta), p(movingMean), p(movingVariance), p(scale), p(shift),
      batch, features, epsilon,
    );
  };

  // prettier-ignore
  batchnormBackward: Engine['batchnormBackward'] = (
    dx, dgamma, dbeta, dout, normalized, inverseStd, gamma, batch, features,
  ) => {
    const p = pointer;
    const [sumDy, sumDyXHat, coefficient] = this.scratchFor(features);
    const args = [
      p(dx), p(dgamma), p(dbeta), p(sumDy), p(sumDyXHat), p(coefficient), p(dout), p(normalized),
      p(inverseStd), p(gamma), batch, features,
    ];
    this.parallel('batchnormBackward', args, features, BLOCK);
  };

  activationForward: Engine['activationForward'] = (name, out, x, length) => {
    if (name === 'relu') this.kernels.reluForward(pointer(out), pointer(x), length);
    else ACTIVATION_KERNELS[name].forward(out, x, length);
  };

  activationBackward: Engine['activationBackward'] = (name, dx, dout, out, length) => {
    if (name === 'relu') {
      this.kernels.reluBackward(pointer(dx), pointer(dout), pointer(out), length);
    } else {
      dx.fill(0, 0, length);
      ACTIVATION_KERNELS[name].backward(dx, dout, out, length);
    }
  };

  sgdStep: Engine['sgdStep'] = (value, gradient, learningRate, decay) => {
    const args = [pointer(value), pointer(gradient), learningRate, decay];
    this.parallel('sgdStep', args, value.length, UPDATE_BLOCK);
  };

  momentumStep: Engine['momentumStep'] = (value, gradient, velocity, learningRate, decay, mu) => {
    const args = [pointer(value), pointer(gradient), pointer(velocity), learningRate, decay, mu];
    this.parallel('momentumStep', args, value.length, UPDATE_BLOCK);
  };

  // prettier-ignore
  adamStep: Engine['adamStep'] = (value, gradient, m, v, lr, decay, beta1, beta2, eps, c1, c2) => {
    const args = [pointer(value), pointer(gradient), pointer(m), pointer(v), lr, decay, beta1, beta2, eps, c1, c2];
    this.parallel('adamStep', args, value.length, UPDATE_BLOCK);
  };
}

export function createEngine(name: EngineName, threads = 1): Engine {
  return name === 'wasm' ? new WasmEngine(threads) : referenceEngine;
}

export type { EngineName } from './engineNames.js';

// Images as compressed sparse rows: the wasm engine's form of the first layer's input (about 19%
// of MNIST's pixels are nonzero, so a fifth of the dense batch), and how they are built in its
// memory: compressed from image bytes, turned into columns, copied into an epoch's order. The
// kernels are in src/wasm/assembly/sparseRows.ts.

import type { Split } from '../data/dataset.js';
import { copyImages } from '../data/splitImages.js';
import type { EngineInput } from '../model/engine.js';
import type { InputSpec } from '../model/network.js';
import { ROWS_BLOCK, SAMPLES_BLOCK, SUM_BLOCK } from './blocks.js';
import type { Kernels } from './kernels.js';
import { pointer as p, type ArraySpace, type WasmMemory } from './memory.js';
import type { Scratch } from './scratch.js';

/** Pixels an image may have for sparse rows (their indices are 16 bits). */
export const MAX_SPARSE_PIXELS = 65536;
/**
 * Bytes of images that `compress` copies into the memory at a time: few, since fresh memory is
 * dear to touch the first time and the kernels go no faster on larger chunks.
 */
const IMAGES_CHUNK_BYTES = 1 << 19;

/**
 * Images as compressed sparse rows: the nonzero pixels of sample n are
 * index[rowStart[n] .. rowStart[n + 1]) with values value[...] (bytes).
 */
export interface CompressedRows {
  rowStart: Uint32Array;
  index: Uint16Array;
  value: Uint8Array;
}

/** A batch of images as compressed sparse rows, input = value · scale. */
export interface SparseRows extends CompressedRows, EngineInput {
  readonly form: 'sparse rows';
  scale: number;
  /**
   * The same pixels by columns, in blocks of samples, where the batch's rows never change (a
   * split in file order, as L-BFGS reads it): built on first use and kept (sparseBatches.ts).
   */
  columns?: () => ColumnBlocks;
}

/**
 * A batch's pixels as columns, block by block: for block b and pixel i, the samples of the
 * block where pixel i is nonzero (counted from the block's first) and their values, at
 * sample[start[b · (inputs + 1) + i] …] and value[…], up to start[b · (inputs + 1) + i + 1].
 */
export interface ColumnBlocks {
  start: Uint32Array;
  sample: Uint16Array;
  value: Uint8Array;
}

export function isSparse(x: Float32Array | EngineInput): x is SparseRows {
  return !(x instanceof Float32Array);
}

/** The rows of one input's form, or a clear error if it is dense floats. */
export function rowsOf(x: Float32Array | EngineInput): SparseRows {
  if (!isSparse(x)) throw new Error('a sparse kernel was given dense input');
  return x;
}

/**
 * Whether sparse rows hold an input: zero pixels must be zero inputs (no offset), and the rows
 * index pixels with 16 bits.
 */
export function sparseHolds(input: InputSpec, pixels: number): boolean {
  return input.offset === 0 && pixels <= MAX_SPARSE_PIXELS;
}

export class SparseRowBuilder {
  constructor(
    private readonly memory: WasmMemory,
    private readonly kernels: Kernels,
    private readonly scratch: Scratch,
  ) {}

  /**
   * The sparse rows of a split's images, in new arrays of the memory (or in `space`: the
   * engine's scratch), in file order or in `order` (row n: image order[n]). The images are
   * copied into scratch memory a chunk at a time (copyImages: from their file, for a split
   * loaded from one), in file order, twice: the first pass counts each image's nonzero pixels
   * (which gives the row starts, in the rows' order, and the size of the rows), the second
   * writes each image's at its row's start. Threads share each chunk by its images.
   */
  compress(
    images: Pick<Split, 'images' | 'count' | 'height' | 'width'>,
    space: ArraySpace = this.memory,
    order: Uint32Array | null = null,
  ): CompressedRows {
    const { count } = images;
    const pixels = images.height * images.width;
    const chunk = Math.max(1, Math.floor(IMAGES_CHUNK_BYTES / pixels));
    const chunkImages = this.scratch.images.get(Math.min(count, chunk) * pixels);
    const rowStart = space.words(count + 1);
    // where each image's row starts, by the image's place in the file: the row starts themselves
    // in file order
    const imageStart = order ? this.scratch.imageStarts.get(count + 1) : rowStart;
    const eachChunk = (pass: (first: number, size: number) => void) => {
      for (let first = 0; first < count; first += chunk) {
        const size = Math.min(chunk, count - first);
        copyImages(images, first, chunkImages.subarray(0, size * pixels));
        pass(first, size);
      }
    };
    eachChunk((first, size) => {
      const counts = p(imageStart) + 4 * (first + 1); // counts into imageStart[m + 1] …
      this.kernels.parallel('countNonzeros', [counts, p(chunkImages), pixels], size, SAMPLES_BLOCK);
    });
    rowStart[0] = 0; // … summed into row starts in the rows' order
    if (order) {
      for (let n = 0; n < count; n++) rowStart[n + 1] = rowStart[n] + imageStart[order[n] + 1];
      for (let n = 0; n < count; n++) imageStart[order[n]] = rowStart[n];
    } else {
      for (let n = 0; n < count; n++) rowStart[n + 1] += rowStart[n];
    }
    const nonzero = rowStart[count];
    const index = space.halves(nonzero);
    const value = space.bytes(nonzero);
    eachChunk((first, size) => {
      const args = [p(imageStart) + 4 * first, p(index), p(value), p(chunkImages), pixels];
      this.kernels.parallel('compressRows', args, size, SAMPLES_BLOCK);
    });
    return { rowStart, index, value };
  }

  /**
   * The columns of a batch of sparse rows, in blocks of SUM_BLOCK samples (sparseColumnBlocks),
   * in new arrays of the memory; threads share the blocks.
   */
  columnBlocks(rows: CompressedRows, batch: number, inputs: number): ColumnBlocks {
    const blocks = Math.ceil(batch / SUM_BLOCK);
    const nonzero = rows.rowStart[batch] - rows.rowStart[0];
    const { memory } = this;
    const columns: ColumnBlocks = {
      start: memory.words(blocks * (inputs + 1)),
      sample: memory.halves(nonzero),
      value: memory.bytes(nonzero),
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
    this.kernels.parallel('sparseColumnBlocks', args, blocks, 1);
    return columns;
  }

  /**
   * Copies the rows of the samples `order` (in that order) from one set of sparse rows to
   * another of the same size. `background`: on the other threads while this one goes on, if
   * there are any; the rows are ready after Kernels.finish.
   */
  gather(to: CompressedRows, from: CompressedRows, order: Uint32Array, background = false) {
    const { kernels } = this;
    kernels.local.rowStartsInOrder(p(to.rowStart), p(from.rowStart), p(order), order.length);
    const args = [
      p(to.rowStart),
      p(to.index),
      p(to.value),
      p(from.rowStart),
      p(from.index),
      p(from.value),
      p(order),
    ];
    if (background) kernels.inBackground('copyRows', args, order.length, ROWS_BLOCK);
    else kernels.parallel('copyRows', args, order.length, ROWS_BLOCK);
  }
}

// The wasm engine's batches: the nonzero pixels of a split as compressed sparse rows, in the
// order of an epoch, so that batches are contiguous slices, not gathers. A split read in file
// order (evaluation, L-BFGS) is compressed once per engine and read where it lies; a shuffled
// training compresses its images once, in its first epoch's order, and each later epoch copies
// the rows of the one before in its own order. With threads to spare, that copy is made during
// the epoch before. (About 19% of MNIST's pixels are nonzero: a fifth of the dense batch.)

import type { Split } from '../data/dataset.js';
import type { Batch, BatchSource } from '../model/batches.js';
import type { InputSpec } from '../model/network.js';
import type { WasmEngine } from './engine.js';
import {
  MAX_SPARSE_PIXELS,
  type ColumnBlocks,
  type CompressedRows,
  type SparseRows,
} from './sparseRows.js';

/** Sparse rows for `count` samples and `nonzero` pixels, in the engine's memory. */
function engineRows(engine: WasmEngine, count: number, nonzero: number): CompressedRows {
  const { memory } = engine;
  return {
    rowStart: memory.words(count + 1),
    index: memory.halves(nonzero),
    value: memory.bytes(nonzero),
  };
}

/** A split's rows in file order, and the columns of those of its batches that asked for them. */
interface Compressed {
  rows: CompressedRows;
  /** By the batch's first sample and size. */
  columns: Map<string, ColumnBlocks>;
}

/**
 * A split in file order is compressed once per engine, into the engine's memory, whatever the
 * number of runs or evaluations: memory there is never freed. So are the columns of its batches.
 */
const compressed = new WeakMap<WasmEngine, WeakMap<Split, Compressed>>();

function compressedSplit(engine: WasmEngine, split: Split): Compressed {
  let byEngine = compressed.get(engine);
  if (!byEngine) compressed.set(engine, (byEngine = new WeakMap()));
  let kept = byEngine.get(split);
  if (!kept) {
    const rows = engine.rows.compress(split);
    kept = { rows, columns: new Map() };
    byEngine.set(split, kept);
  }
  return kept;
}

export class SparseBatches implements BatchSource {
  readonly count: number;
  /** The rows batches are cut from: the split's in file order (shared), or `copy`. */
  private rows: CompressedRows | null = null;
  /** The split's rows in file order, once an epoch has asked for them. */
  private fileOrder: Compressed | null = null;
  /**
   * This source's own rows: those in the epoch's order, and a second set that the next
   * epoch's are made in (copied from the first, or the first time compressed from the images).
   */
  private copy: CompressedRows | null = null;
  private spare: CompressedRows | null = null;
  /** The samples of `rows`, in their order, and those of `spare`. */
  private order: Uint32Array;
  private spareOrder: Uint32Array | null = null;
  /** Each sample's place in `order`, and the places in `order` of spareOrder's samples. */
  private inverse: Uint32Array | null = null;
  private places: Uint32Array | null = null;
  /** Whether the spare rows are being made, or are made, in the order of spareOrder. */
  private prefetching = false;
  private readonly labels: Uint8Array;

  constructor(
    private readonly engine: WasmEngine,
    private readonly input: InputSpec,
    private readonly split: Split,
  ) {
    if (split.height * split.width > MAX_SPARSE_PIXELS) {
      throw new Error('sparse rows index pixels with 16 bits');
    }
    this.count = split.count;
    this.order = engine.memory.words(split.count);
    this.labels = new Uint8Array(split.count);
  }

  /**
   * Puts the rows in `order` in place: those made ahead (prefetch), else made now (fillSpare);
   * for file order (null), the split's rows as they are.
   */
  startEpoch(order: Uint32Array | null): void {
    const { split, engine } = this;
    const prefetched = this.prefetching && order !== null && equal(this.spareOrder!, order);
    engine.kernels.finish();
    this.prefetching = false;
    if (order === null) {
      for (let n = 0; n < split.count; n++) this.order[n] = n;
      this.fileOrder = compressedSplit(engine, split);
      this.rows = this.fileOrder.rows;
    } else {
      if (!prefetched) this.fillSpare(order, false);
      this.swap();
    }
    for (let n = 0; n < split.count; n++) this.labels[n] = split.labels[this.order[n]];
  }

  /**
   * Makes the rows in `order` ahead of the startEpoch that will ask for them: before the first
   * epoch, now (compressed from the images in that order); during an epoch, copied on the
   * engine's other threads while its batches are used, if it has such threads (else startEpoch
   * copies them).
   */
  prefetch(order: Uint32Array): void {
    const { engine } = this;
    if (this.rows && !engine.kernels.threaded) return;
    engine.kernels.finish();
    this.fillSpare(order, this.rows !== null);
    this.prefetching = true;
  }

  /**
   * Fills the spare rows with the samples in `order`: copied from the rows at hand (or from
   * the split's in file order, if the engine has made them), else compressed from the images
   * in that order. `background`: the copy is made as RowBuilder.gather makes it.
   */
  private fillSpare(order: Uint32Array, background: boolean): void {
    const { engine, split } = this;
    // rows made ahead but not asked for are rows at hand
    if (!this.rows && this.spare) this.swap();
    const fileOrder = compressed.get(engine)?.get(split);
    const from = this.rows ?? fileOrder?.rows;
    this.spareOrder ??= engine.memory.words(split.count);
    this.spareOrder.set(order);
    if (!from) {
      this.spare = engine.rows.compress(split, engine.memory, order);
      return;
    }
    this.spare ??= engineRows(engine, split.count, from.index.length);
    this.places ??= engine.memory.words(split.count);
    if (this.rows) {
      const inverse = (this.inverse ??= new Uint32Array(split.count));
      for (let n = 0; n < split.count; n++) inverse[this.order[n]] = n;
      for (let n = 0; n < split.count; n++) this.places[n] = inverse[order[n]];
    } else {
      this.places.set(order); // the split's rows are in file order
    }
    engine.rows.gather(this.spare, from, this.places, background);
  }

  /** The spare rows (and their order) become the rows batches are cut from. */
  private swap(): void {
    [this.copy, this.spare] = [this.spare, this.copy];
    [this.order, this.spareOrder] = [this.spareOrder!, this.order];
    this.rows = this.copy;
  }

  batch(start: number, size: number): Batch {
    if (!this.rows) throw new Error('a batch asked for before startEpoch');
    const rows: SparseRows = {
      form: 'sparse rows',
      rowStart: this.rows.rowStart.subarray(start, start + size + 1),
      index: this.rows.index,
      value: this.rows.value,
      scale: this.input.scale,
    };
    const { fileOrder } = this;
    if (this.rows === fileOrder?.rows) {
      rows.columns = () => this.columnsOf(fileOrder, rows, start, size);
    }
    return {
      input: rows,
      labels: this.labels.subarray(start, start + size),
      size,
      dense: () => this.densify(rows, size),
    };
  }

  /** The columns of a batch in file order: built once, kept with the split's rows. */
  private columnsOf(
    fileOrder: Compressed,
    rows: SparseRows,
    start: number,
    size: number,
  ): ColumnBlocks {
    const key = `${start} ${size}`;
    let columns = fileOrder.columns.get(key);
    if (!columns) {
      const inputs = this.split.height * this.split.width;
      columns = this.engine.rows.columnBlocks(rows, size, inputs);
      fileOrder.columns.set(key, columns);
    }
    return columns;
  }

  private densify(rows: SparseRows, size: number): Float32Array {
    const inputSize = this.split.height * this.split.width;
    const x = new Float32Array(size * inputSize);
    for (let n = 0; n < size; n++) {
      for (let k = rows.rowStart[n]; k < rows.rowStart[n + 1]; k++) {
        x[n * inputSize + rows.index[k]] = rows.value[k] * rows.scale;
      }
    }
    return x;
  }
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// The wasm engine's batches: the nonzero pixels of a split as compressed sparse rows, built once
// per split and read where they lie in file order; each shuffled epoch reorders them once (a
// copy in its order) and batches are then contiguous slices, not gathers. With threads to spare,
// the copy for the next epoch is made during this one. (About 19% of MNIST's pixels are nonzero: a fifth of the dense batch.)

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
 * Each split is compressed once per engine, into the engine's memory, whatever the number of
 * runs or evaluations: memory there is never freed. So are the columns of its batches.
 */
const compressed = new WeakMap<WasmEngine, WeakMap<Split, Compressed>>();

function compressedSplit(engine: WasmEngine, split: Split): Compressed {
  let byEngine = compressed.get(engine);
  if (!byEngine) compressed.set(engine, (byEngine = new WeakMap()));
  let kept = byEngine.get(split);
  if (!kept) {
    if (split.height * split.width > MAX_SPARSE_PIXELS) {
      throw new Error('sparse rows index pixels with 16 bits');
    }
    const rows = engine.rows.compress(split.images, split.count, split.height * split.width);
    kept = { rows, columns: new Map() };
    byEngine.set(split, kept);
  }
  return kept;
}

export class SparseBatches implements BatchSource {
  readonly count: number;
  private readonly compressed: Compressed;
  private readonly source: CompressedRows;
  /** The rows batches are cut from: the split's own (file order, shared) or `copy`. */
  private rows: CompressedRows;
  /**
   * This source's own rows, made when an epoch first asks for an order: the copy in the epoch's
   * order, and a second set that the next epoch's are copied into. Never the split's rows.
   */
  private copy: CompressedRows | null = null;
  private spare: CompressedRows | null = null;
  private order: Uint32Array;
  private spareOrder: Uint32Array | null = null;
  /** Whether the spare rows are being filled in the order of spareOrder. */
  private prefetching = false;
  private readonly labels: Uint8Array;

  constructor(
    private readonly engine: WasmEngine,
    private readonly input: InputSpec,
    private readonly split: Split,
  ) {
    this.count = split.count;
    this.compressed = compressedSplit(engine, split);
    this.source = this.compressed.rows;
    this.rows = this.source;
    this.order = engine.memory.words(split.count);
    this.labels = new Uint8Array(split.count);
  }

  /**
   * Puts the rows in `order` in place: one copy per epoch; none for file order (null), which
   * uses the split's rows as they are.
   */
  startEpoch(order: Uint32Array | null): void {
    const { split, engine, source } = this;
    const prefetched = this.prefetching && order !== null && equal(this.spareOrder!, order);
    engine.kernels.finish();
    this.prefetching = false;
    if (prefetched) {
      [this.copy, this.spare] = [this.spare, this.copy];
      [this.order, this.spareOrder] = [this.spareOrder!, this.order];
      this.rows = this.copy!;
    } else {
      for (let n = 0; n < split.count; n++) this.order[n] = order ? order[n] : n;
      if (order === null) this.rows = source;
      else {
        this.copy ??= this.ownRows();
        engine.rows.gather(this.copy, source, this.order);
        this.rows = this.copy;
      }
    }
    for (let n = 0; n < split.count; n++) this.labels[n] = split.labels[this.order[n]];
  }

  private ownRows(): CompressedRows {
    return engineRows(this.engine, this.split.count, this.source.index.length);
  }

  /**
   * Starts copying the rows in `order` for the next epoch, on the engine's other threads while
   * this epoch's batches are used, if it has such threads (else startEpoch copies them).
   */
  prefetch(order: Uint32Array): void {
    const { engine } = this;
    if (!engine.kernels.threaded) return;
    engine.kernels.finish();
    this.spare ??= this.ownRows();
    this.spareOrder ??= engine.memory.words(this.split.count);
    this.spareOrder.set(order);
    engine.rows.gather(this.spare, this.source, this.spareOrder, true);
    this.prefetching = true;
  }

  batch(start: number, size: number): Batch {
    const rows: SparseRows = {
      form: 'sparse rows',
      rowStart: this.rows.rowStart.subarray(start, start + size + 1),
      index: this.rows.index,
      value: this.rows.value,
      scale: this.input.scale,
    };
    if (this.rows === this.source) rows.columns = () => this.columnsOf(rows, start, size);
    return {
      input: rows,
      labels: this.labels.subarray(start, start + size),
      size,
      dense: () => this.densify(rows, size),
    };
  }

  /** The columns of a batch in file order: built once, kept with the split's rows. */
  private columnsOf(rows: SparseRows, start: number, size: number): ColumnBlocks {
    const key = `${start} ${size}`;
    let columns = this.compressed.columns.get(key);
    if (!columns) {
      const inputs = this.split.height * this.split.width;
      columns = this.engine.rows.columnBlocks(rows, size, inputs);
      this.compressed.columns.set(key, columns);
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

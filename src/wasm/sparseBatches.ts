// The wasm engine's batches: the nonzero pixels of a split as compressed sparse rows, in the
// order of an epoch, so that batches are contiguous slices, not gathers. A split read in file
// order (evaluation, L-BFGS) is compressed once per engine and read where it lies. A shuffled
// training has one full set of rows, its source: its images compressed once, in its first
// epoch's order (or the split's rows in file order, if the engine has made them). The first
// epoch reads them where they lie; each later epoch's rows are copied from them in its order a
// segment at a time (SEGMENT_ROWS, a whole number of batches) into two segments' memory used in
// turn: while the batches of one are read, the next is copied on the engine's other threads, if
// it has any. Two segments (about 3 MB each for MNIST) rather than a second full set (27 MB):
// fresh memory is dear to touch the first time. (About 19% of MNIST's pixels are nonzero: a
// fifth of the dense batch.)

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

/** Rows an epoch's rows are copied into a segment at a time: a whole number of batches. */
const SEGMENT_ROWS = 8192;

/** Some of an epoch's rows, copied from the source: the samples [first, end) of `order`. */
interface Segment {
  rows: CompressedRows;
  /** The source's places of the samples, in that order: what the copy reads. */
  places: Uint32Array;
  /** The epoch's order (SparseBatches.order) or the next's (nextOrder); null: none. */
  order: Uint32Array | null;
  first: number;
  end: number;
}

export class SparseBatches implements BatchSource {
  readonly count: number;
  /**
   * The one full set of rows of a shuffled training, which its epochs' rows are copied from:
   * the split's in file order if the engine has made them, else its images compressed in the
   * first order asked for. Null until then.
   */
  private source: CompressedRows | null = null;
  /** The samples of the source's rows, in their order, and each sample's place among them. */
  private sourceOrder: Uint32Array | null = null;
  private sourcePlace: Uint32Array | null = null;
  /** The split's rows in file order, when the epoch reads them. */
  private fileOrder: Compressed | null = null;
  /** The rows the epoch's batches are cut from where they lie (file order, the source's). */
  private whole: CompressedRows | null = null;
  /** The epoch's order, when it is read by segments, and the next epoch's, if prefetch said. */
  private order: Uint32Array;
  private nextOrder: Uint32Array;
  private nextKnown = false;
  /** Two segments' memory, reused from epoch to epoch (made when first needed). */
  private readonly segments: Segment[] = [];
  /** The segment batches are cut from (−1: none yet), and whether another is being copied. */
  private current = -1;
  private copyingAhead = false;
  private readonly segmentRows: number;
  private readonly labels: Uint8Array;

  constructor(
    private readonly engine: WasmEngine,
    private readonly input: InputSpec,
    private readonly split: Split,
    capacity: number,
  ) {
    if (split.height * split.width > MAX_SPARSE_PIXELS) {
      throw new Error('sparse rows index pixels with 16 bits');
    }
    this.count = split.count;
    this.labels = new Uint8Array(split.count);
    this.order = new Uint32Array(split.count);
    this.nextOrder = new Uint32Array(split.count);
    const batches = Math.max(1, Math.floor(SEGMENT_ROWS / capacity));
    this.segmentRows = Math.min(split.count, batches * capacity);
  }

  /**
   * Puts the rows in `order` in place: the source's where they lie if it is in that order (the
   * first epoch's, made ahead by prefetch), else copied from it a segment at a time (the first
   * made ahead, if prefetch guessed this order, else now); for file order (null), the split's
   * rows as they are.
   */
  startEpoch(order: Uint32Array | null): void {
    const { split, engine } = this;
    engine.kernels.finish();
    this.copyingAhead = false;
    this.current = -1;
    const guessed = this.nextKnown && order !== null && equal(this.nextOrder, order);
    if (guessed) [this.order, this.nextOrder] = [this.nextOrder, this.order];
    this.nextKnown = false;
    for (const segment of this.segments) {
      if (segment.order !== this.order || !guessed) segment.order = null;
    }
    if (order === null) {
      this.fileOrder = compressedSplit(engine, split);
      this.whole = this.fileOrder.rows;
    } else {
      this.fileOrder = null;
      const source = this.sourceFor(order);
      this.whole = equal(this.sourceOrder!, order) ? source : null;
      if (!this.whole) {
        if (!guessed) this.order.set(order);
        this.segmentFor(0, 1);
      }
    }
    for (let n = 0; n < split.count; n++) this.labels[n] = split.labels[order ? order[n] : n];
  }

  /**
   * A hint of the next epoch's order. Before the first epoch, its rows are made now (compressed
   * from the images in that order), so that they are not made in its time; later, the next
   * epoch's first segment is copied ahead, on the engine's other threads, when a segment's
   * memory is free (during an epoch read where its rows lie, or in an epoch's last segment).
   */
  prefetch(order: Uint32Array): void {
    if (!this.source) {
      this.sourceFor(order);
      return;
    }
    this.nextOrder.set(order);
    this.nextKnown = true;
    for (const segment of this.segments) if (segment.order === this.nextOrder) segment.order = null;
    if (this.whole && this.engine.kernels.threaded) {
      this.engine.kernels.finish();
      this.copyAhead(this.segmentMemory()[0], this.nextOrder, 0);
    }
  }

  /** The source (see `source`), made now if it is not yet. */
  private sourceFor(order: Uint32Array): CompressedRows {
    if (this.source) return this.source;
    const { engine, split } = this;
    engine.kernels.finish();
    const fileOrder = compressed.get(engine)?.get(split);
    const sourceOrder = fileOrder ? Uint32Array.from(order, (_, n) => n) : order.slice();
    this.source = fileOrder?.rows ?? engine.rows.compress(split, engine.memory, order);
    this.sourceOrder = sourceOrder;
    this.sourcePlace = new Uint32Array(split.count);
    for (let n = 0; n < split.count; n++) this.sourcePlace[sourceOrder[n]] = n;
    return this.source;
  }

  /**
   * The segment that holds the epoch's samples [first, end): the one at hand, else one copied
   * ahead (waited for), else one they are copied into now. When it changes, what follows it
   * (the epoch's next samples, else the next epoch's first, if prefetch said) is copied ahead
   * into the other segment's memory, on the engine's other threads if it has any.
   */
  private segmentFor(first: number, end: number): Segment {
    const segments = this.segmentMemory();
    const holds = (segment: Segment) =>
      segment.order === this.order && segment.first <= first && end <= segment.end;
    if (this.current >= 0 && holds(segments[this.current])) return segments[this.current];
    if (this.copyingAhead) this.engine.kernels.finish();
    this.copyingAhead = false;
    let index = segments.findIndex(holds);
    if (index < 0) {
      index = segments.length > 1 && this.current === 0 ? 1 : 0;
      this.copy(segments[index], this.order, first, false);
    }
    this.current = index;
    const segment = segments[index];
    const other = segments[1 - index];
    if (other && segment.end < this.count) this.copyAhead(other, this.order, segment.end);
    else if (other && this.nextKnown) this.copyAhead(other, this.nextOrder, 0);
    return segment;
  }

  /**
   * The segments' memory, made the first time: two, or one when one holds every sample; room
   * for the rows of any samples.
   */
  private segmentMemory(): Segment[] {
    if (this.segments.length === 0) {
      const { engine, segmentRows, count } = this;
      const { rowStart } = this.source!;
      let longest = 0;
      for (let n = 0; n < count; n++) longest = Math.max(longest, rowStart[n + 1] - rowStart[n]);
      const nonzero = Math.min(rowStart[count], segmentRows * longest);
      for (let i = 0; i < (segmentRows < count ? 2 : 1); i++) {
        this.segments.push({
          rows: engineRows(engine, segmentRows, nonzero),
          places: engine.memory.words(segmentRows),
          order: null,
          first: 0,
          end: 0,
        });
      }
    }
    return this.segments;
  }

  private copyAhead(segment: Segment, order: Uint32Array, first: number): void {
    this.copy(segment, order, first, true);
    this.copyingAhead = true;
  }

  /**
   * Copies the rows of `order` from `first` (a segment's worth) into `segment`; `background`: as
   * RowBuilder.gather makes it.
   */
  private copy(segment: Segment, order: Uint32Array, first: number, background: boolean): void {
    const end = Math.min(this.count, first + this.segmentRows);
    const places = segment.places.subarray(0, end - first);
    for (let n = first; n < end; n++) places[n - first] = this.sourcePlace![order[n]];
    Object.assign(segment, { order, first, end });
    this.engine.rows.gather(segment.rows, this.source!, places, background);
  }

  batch(start: number, size: number): Batch {
    if (!this.whole && this.current < 0) throw new Error('a batch asked for before startEpoch');
    const segment = this.whole ? null : this.segmentFor(start, start + size);
    const from = this.whole ?? segment!.rows;
    const at = start - (segment?.first ?? 0);
    const rows: SparseRows = {
      form: 'sparse rows',
      rowStart: from.rowStart.subarray(at, at + size + 1),
      index: from.index,
      value: from.value,
      scale: this.input.scale,
    };
    const { fileOrder } = this;
    if (fileOrder && from === fileOrder.rows) {
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

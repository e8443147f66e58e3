// Sparse rows, the form the images take in the wasm engine: built once per split, reordered
// once per epoch, and turned into columns for a backward pass. Layouts, not math: no reference
// function.

/**
 * Counts the nonzero pixels of images[nStart .. nEnd) (u8, `pixels` each) into counts[n]: the
 * first of the two passes that make sparse rows (then the row starts, then compressRows).
 * Sixteen pixels at a time: a comparison with zero gives one bit per pixel.
 *
 * reference: none (a layout): the images as wasm/sparseBatches.ts's rows
 */
export function countNonzeros(counts: usize, images: usize, pixels: i32, nStart: i32, nEnd: i32): void {
  const zero = i8x16.splat(0);
  for (let n = nStart; n < nEnd; n++) {
    const image = images + <usize>n * <usize>pixels;
    let count = 0;
    let p = 0;
    for (; p + 16 <= pixels; p += 16) {
      count += popcnt(i8x16.bitmask(i8x16.ne(v128.load(image + p), zero)));
    }
    for (; p < pixels; p++) count += <i32>(load<u8>(image + p) != 0);
    store<u32>(counts + (<usize>n << 2), count);
  }
}

/**
 * The sparse rows of images[nStart .. nEnd): each image's nonzero pixels, in pixel order, as
 * u16 indices and u8 values from index[rowStart[n]] and value[rowStart[n]] on (row starts from
 * countNonzeros' counts). Sixteen pixels at a time: the set bits of the comparison with zero
 * are the nonzero pixels, taken lowest first.
 *
 * reference: none (a layout): the images as wasm/sparseBatches.ts's rows
 */
export function compressRows(
  rowStart: usize, index: usize, value: usize, images: usize, pixels: i32, nStart: i32, nEnd: i32,
): void {
  const zero = i8x16.splat(0);
  for (let n = nStart; n < nEnd; n++) {
    const image = images + <usize>n * <usize>pixels;
    let k = <usize>load<u32>(rowStart + (<usize>n << 2));
    let p = 0;
    for (; p + 16 <= pixels; p += 16) {
      let bits = i8x16.bitmask(i8x16.ne(v128.load(image + p), zero));
      while (bits != 0) {
        const q = p + ctz(bits);
        store<u16>(index + (k << 1), <u16>q);
        store<u8>(value + k, load<u8>(image + q));
        k++;
        bits &= bits - 1;
      }
    }
    for (; p < pixels; p++) {
      const pixel = load<u8>(image + p);
      if (pixel != 0) {
        store<u16>(index + (k << 1), <u16>p);
        store<u8>(value + k, pixel);
        k++;
      }
    }
  }
}


/**
 * The batch's sparse rows turned into columns: for each pixel, the samples where it is nonzero
 * (colStart (inputs + 1), colSample, colValue), in sample order. Built once per batch for
 * sparseDenseBackward, so that each row of dW is summed in registers and stored once.
 *
 * reference: none (a layout): the rows of wasm/sparseBatches.ts as columns, for sparseDenseBackward
 */
export function sparseColumns(
  rowStart: usize, index: usize, value: usize, scale: f32, batch: i32, inputs: i32,
  colStart: usize, colSample: usize, colValue: usize,
): void {
  // count, prefix-sum, fill (advancing each column's start), shift back
  memory.fill(colStart, 0, (<usize>inputs + 1) << 2);
  const first = load<u32>(rowStart);
  const last = load<u32>(rowStart + (<usize>batch << 2));
  for (let k = first; k < last; k++) {
    const c = colStart + ((<usize>load<u16>(index + (<usize>k << 1)) + 1) << 2);
    store<u32>(c, load<u32>(c) + 1);
  }
  for (let i = 0; i < inputs; i++) {
    const c = colStart + ((<usize>i + 1) << 2);
    store<u32>(c, load<u32>(c) + load<u32>(c - 4));
  }
  for (let n = 0; n < batch; n++) {
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    for (let k = load<u32>(rowStart + (<usize>n << 2)); k < end; k++) {
      const c = colStart + (<usize>load<u16>(index + (<usize>k << 1)) << 2);
      const p = load<u32>(c);
      store<u32>(c, p + 1);
      store<u32>(colSample + (<usize>p << 2), n);
      store<f32>(colValue + (<usize>p << 2), <f32>load<u8>(value + k) * scale);
    }
  }
  for (let i = inputs; i > 0; i--) {
    store<u32>(colStart + (<usize>i << 2), load<u32>(colStart + ((<usize>i - 1) << 2)));
  }
  store<u32>(colStart, 0);
}

/**
 * A large batch's sparse rows as columns, block by block (blocks of `blockSize` samples, those
 * of sparseDenseBackwardNarrowBlocks): for block b and pixel i, the samples of the block where
 * pixel i is nonzero (u16, counted from the block's first) and their values (u8), in sample
 * order, from colStart[b · (inputs + 1) + i] to colStart[b · (inputs + 1) + i + 1). A block's
 * columns fill the same places in colSample and colValue as its rows in index and value.
 * Built once for a batch whose rows never change (see sparseDenseBackwardNarrowColumns).
 *
 * reference: none (a layout): a batch's rows as columns, for sparseDenseBackwardNarrowColumns
 */
export function sparseColumnBlocks(
  colStart: usize, colSample: usize, colValue: usize, rowStart: usize, index: usize, value: usize,
  batch: i32, inputs: i32, blockSize: i32, bStart: i32, bEnd: i32,
): void {
  const first = load<u32>(rowStart);
  for (let b = bStart; b < bEnd; b++) {
    const nStart = b * blockSize;
    const nEnd = min(batch, nStart + blockSize);
    const starts = colStart + ((<usize>b * (<usize>inputs + 1)) << 2);
    const kStart = load<u32>(rowStart + (<usize>nStart << 2));
    const kEnd = load<u32>(rowStart + (<usize>nEnd << 2));
    // count into starts[i + 1], prefix-sum from the block's place, fill (advancing each column's
    // start), shift back
    memory.fill(starts, 0, (<usize>inputs + 1) << 2);
    for (let k = kStart; k < kEnd; k++) {
      const c = starts + ((<usize>load<u16>(index + (<usize>k << 1)) + 1) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
    store<u32>(starts, kStart - first);
    for (let i = 0; i < inputs; i++) {
      const c = starts + ((<usize>i + 1) << 2);
      store<u32>(c, load<u32>(c) + load<u32>(c - 4));
    }
    for (let n = nStart; n < nEnd; n++) {
      const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
      for (let k = load<u32>(rowStart + (<usize>n << 2)); k < end; k++) {
        const c = starts + (<usize>load<u16>(index + (<usize>k << 1)) << 2);
        const p = <usize>load<u32>(c);
        store<u32>(c, <u32>p + 1);
        store<u16>(colSample + (p << 1), <u16>(n - nStart));
        store<u8>(colValue + p, load<u8>(value + k));
      }
    }
    for (let i = inputs; i > 0; i--) {
      store<u32>(starts + (<usize>i << 2), load<u32>(starts + ((<usize>i - 1) << 2)));
    }
    store<u32>(starts, kStart - first);
  }
}

/**
 * Reorders sparse rows: the rows of the samples order[0 .. count), in that order, become a
 * new set of rows. One pass per epoch, after which every batch is a contiguous slice. Rows are
 * u32 row starts (count + 1), u16 pixel indices, u8 pixel values. Two steps: the new row
 * starts (rowStartsInOrder), then the copies (copyRows), which threads share by ranges of n.
 *
 * reference: none (a layout): wasm/sparseBatches.ts's rows in an epoch's order
 */
export function rowStartsInOrder(toRowStart: usize, fromRowStart: usize, order: usize, count: i32): void {
  let k: u32 = 0;
  for (let n = 0; n < count; n++) {
    const sample = <usize>load<u32>(order + (<usize>n << 2));
    store<u32>(toRowStart + (<usize>n << 2), k);
    k += load<u32>(fromRowStart + ((sample + 1) << 2)) - load<u32>(fromRowStart + (sample << 2));
  }
  store<u32>(toRowStart + (<usize>count << 2), k);
}

/**
 * Copies the rows of order[nStart .. nEnd) to where rowStartsInOrder put them.
 *
 * reference: none (a layout): wasm/sparseBatches.ts's rows in an epoch's order
 */
export function copyRows(
  toRowStart: usize, toIndex: usize, toValue: usize,
  fromRowStart: usize, fromIndex: usize, fromValue: usize,
  order: usize, nStart: i32, nEnd: i32,
): void {
  for (let n = nStart; n < nEnd; n++) {
    const sample = <usize>load<u32>(order + (<usize>n << 2));
    const from = load<u32>(fromRowStart + (sample << 2));
    const length = load<u32>(fromRowStart + ((sample + 1) << 2)) - from;
    const k = load<u32>(toRowStart + (<usize>n << 2));
    memory.copy(toIndex + (<usize>k << 1), fromIndex + (<usize>from << 1), <usize>length << 1);
    memory.copy(toValue + <usize>k, fromValue + <usize>from, <usize>length);
  }
}

// The dense layer on sparse input: the images' nonzero pixels as CSR rows of u16 indices and
// u8 values (wasm/sparseBatches.ts). Reference: src/model/dense.ts.

import { row, storeRest, storeLanes, biasPlus, madd } from './helpers';
import { sparseColumns } from './sparseRows';

/**
 * out = x · W + b, x given as CSR rows whose values are pixels, scaled by `scale`.
 * Outputs go 24 at a time, then 16, then 12 (a last block of at most 12, such as 10 classes):
 * six 4-lane sums stay in registers over all of a sample's nonzero pixels, so each multiply-add
 * costs one load (of W) and no store. Six independent sums hide the latency of the additions;
 * eight would be more than V8 keeps in vector registers: it puts one on the stack, which then
 * chains every step through memory. The sums are of the raw pixel bytes, out = b + scale · Σ:
 * one multiplication per output instead of one per pixel (the loop is bound by its count of
 * instructions; measured 6% faster on 10 and on 256 outputs).
 *
 * reference: model/dense.ts denseForward, x as sparse rows: out = x · W + b
 */
export function sparseDenseForward(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, batch: i32, outputs: i32, jStart: i32, jEnd: i32,
): void {
  const sv = f32x4.splat(scale);
  const stride = <usize>outputs << 2; // bytes a row of W
  for (let n = 0; n < batch; n++) {
    const o = row(out, n, outputs);
    const start = load<u32>(rowStart + (<usize>n << 2));
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    let j = jStart;
    for (; j + 24 <= jEnd; j += 24) {
      const wj = W + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = wj + <usize>load<u16>(index + (<usize>k << 1)) * stride;
        a0 = madd(a0, xv, v128.load(w));
        a1 = madd(a1, xv, v128.load(w, 16));
        a2 = madd(a2, xv, v128.load(w, 32));
        a3 = madd(a3, xv, v128.load(w, 48));
        a4 = madd(a4, xv, v128.load(w, 64));
        a5 = madd(a5, xv, v128.load(w, 80));
      }
      const oj = o + (<usize>j << 2), bj = b + (<usize>j << 2);
      v128.store(oj, biasPlus(bj, sv, a0));
      v128.store(oj + 16, biasPlus(bj + 16, sv, a1));
      v128.store(oj + 32, biasPlus(bj + 32, sv, a2));
      v128.store(oj + 48, biasPlus(bj + 48, sv, a3));
      v128.store(oj + 64, biasPlus(bj + 64, sv, a4));
      v128.store(oj + 80, biasPlus(bj + 80, sv, a5));
    }
    for (; j + 12 < jEnd; j += 16) {
      const wj = W + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = wj + <usize>load<u16>(index + (<usize>k << 1)) * stride;
        a0 = madd(a0, xv, v128.load(w));
        a1 = madd(a1, xv, v128.load(w, 16));
        a2 = madd(a2, xv, v128.load(w, 32));
        a3 = madd(a3, xv, v128.load(w, 48));
      }
      const bj = b + (<usize>j << 2);
      a0 = biasPlus(bj, sv, a0);
      a1 = biasPlus(bj + 16, sv, a1);
      a2 = biasPlus(bj + 32, sv, a2);
      a3 = biasPlus(bj + 48, sv, a3);
      storeRest(o + (<usize>j << 2), a0, a1, a2, a3, jEnd - j);
    }
    if (j < jEnd) {
      const wj = W + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = wj + <usize>load<u16>(index + (<usize>k << 1)) * stride;
        a0 = madd(a0, xv, v128.load(w));
        a1 = madd(a1, xv, v128.load(w, 16));
        a2 = madd(a2, xv, v128.load(w, 32));
      }
      const bj = b + (<usize>j << 2);
      a0 = biasPlus(bj, sv, a0);
      a1 = biasPlus(bj + 16, sv, a1);
      a2 = biasPlus(bj + 32, sv, a2);
      storeRest(o + (<usize>j << 2), a0, a1, a2, a2, jEnd - j); // ≤ 12 lanes: no fourth vector
    }
  }
}

/**
 * sparseDenseForward on the outputs [jStart, min(jEnd, outputs)); a block starting at or after
 * `outputs` builds the batch's columns for the backward pass instead (sparseColumns), so that
 * a thread builds them while the others compute outputs.
 *
 * reference: model/dense.ts denseForward (and sparseColumns, for the backward pass)
 */
export function sparseDenseForwardAndColumns(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, batch: i32, inputs: i32, outputs: i32,
  colStart: usize, colSample: usize, colValue: usize, jStart: i32, jEnd: i32,
): void {
  if (jStart >= outputs) {
    sparseColumns(rowStart, index, value, scale, batch, inputs, colStart, colSample, colValue);
  } else {
    sparseDenseForward(out, rowStart, index, value, scale, W, b, batch, outputs, jStart, min(jEnd, outputs));
  }
}

/**
 * dW = xᵀ · dout for a layer of at most 16 outputs (a 10-class softmax regression): each
 * sample's row of dout stays in registers while its nonzero pixels update their rows of dW.
 * The sum over samples runs in sample order, as in the reference and in sparseDenseBackward.
 * The rows are summed in `padded` (inputs × 16 floats of scratch), one aligned cache line per
 * row, so that every load and store is one aligned vector, then copied into dW.
 *
 * reference: model/dense.ts denseBackward, its dW = xᵀ · dout (at most 16 outputs)
 */
export function sparseDenseBackwardNarrow(
  dW: usize, dout: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  batch: i32, inputs: i32, outputs: i32, padded: usize,
): void {
  sumNarrowRows(padded, dout, rowStart, index, value, scale, 0, batch, inputs, outputs);
  for (let i = 0; i < inputs; i++) {
    const from = row(padded, i, 16);
    const to = row(dW, i, outputs);
    storeRest(to, v128.load(from), v128.load(from + 16), v128.load(from + 32), v128.load(from + 48), outputs);
  }
}

/** padded (inputs × 16) = Σ_{n in [nStart, nEnd)} xₙᵀ · doutₙ, in sample order. */
@inline function sumNarrowRows(
  padded: usize, dout: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  nStart: i32, nEnd: i32, inputs: i32, outputs: i32,
): void {
  // Lanes past `outputs` (of the next sample's row, or of the padding) are summed too, into
  // lanes of `padded` that are never copied: no branch in the inner loop.
  memory.fill(padded, 0, (<usize>inputs * 16) << 2);
  for (let n = nStart; n < nEnd; n++) {
    const d = row(dout, n, outputs);
    const d0 = v128.load(d), d1 = v128.load(d + 16), d2 = v128.load(d + 32), d3 = v128.load(d + 48);
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    let k = load<u32>(rowStart + (<usize>n << 2));
    if (outputs <= 12) {
      // two pixels a step: they are distinct (a row's pixels are), so are their rows of dW
      for (; k + 1 < end; k += 2) {
        const xa = f32x4.splat(<f32>load<u8>(value + k) * scale);
        const xb = f32x4.splat(<f32>load<u8>(value + k, 1) * scale);
        const wa = row(padded, <i32>load<u16>(index + (<usize>k << 1)), 16);
        const wb = row(padded, <i32>load<u16>(index + (<usize>k << 1), 2), 16);
        v128.store(wa, madd(v128.load(wa), xa, d0));
        v128.store(wb, madd(v128.load(wb), xb, d0));
        v128.store(wa, madd(v128.load(wa, 16), xa, d1), 16);
        v128.store(wb, madd(v128.load(wb, 16), xb, d1), 16);
        v128.store(wa, madd(v128.load(wa, 32), xa, d2), 32);
        v128.store(wb, madd(v128.load(wb, 32), xb, d2), 32);
      }
      for (; k < end; k++) {
        const xv = f32x4.splat(<f32>load<u8>(value + k) * scale);
        const w = row(padded, <i32>load<u16>(index + (<usize>k << 1)), 16);
        v128.store(w, madd(v128.load(w), xv, d0));
        v128.store(w + 16, madd(v128.load(w + 16), xv, d1));
        v128.store(w + 32, madd(v128.load(w + 32), xv, d2));
      }
    } else {
      for (; k < end; k++) {
        const xv = f32x4.splat(<f32>load<u8>(value + k) * scale);
        const w = row(padded, <i32>load<u16>(index + (<usize>k << 1)), 16);
        v128.store(w, madd(v128.load(w), xv, d0));
        v128.store(w + 16, madd(v128.load(w + 16), xv, d1));
        v128.store(w + 32, madd(v128.load(w + 32), xv, d2));
        v128.store(w + 48, madd(v128.load(w + 48), xv, d3));
      }
    }
  }
}

/**
 * sparseDenseBackwardNarrow for a large batch, in blocks of `blockSize` samples that threads
 * share: block b sums its samples into its own padded rows (partials + b · inputs × 16 floats),
 * then sumNarrowBlocks adds the blocks in block order. The blocks depend on the batch size
 * alone, so the result is the same with any number of threads.
 *
 * reference: model/dense.ts denseBackward, its dW = xᵀ · dout, by blocks of samples
 */
export function sparseDenseBackwardNarrowBlocks(
  partials: usize, dout: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  batch: i32, inputs: i32, outputs: i32, blockSize: i32, bStart: i32, bEnd: i32,
): void {
  for (let b = bStart; b < bEnd; b++) {
    const padded = partials + ((<usize>b * <usize>inputs * 16) << 2);
    const nStart = b * blockSize;
    const nEnd = min(batch, nStart + blockSize);
    sumNarrowRows(padded, dout, rowStart, index, value, scale, nStart, nEnd, inputs, outputs);
  }
}

/**
 * sparseDenseBackwardNarrowBlocks by the columns of each block (sparseColumnBlocks), for a
 * batch whose columns are kept: each row of block b's partial sum is summed in registers over
 * the samples where its pixel is nonzero, and stored once, with no loads and stores of dW in
 * the loop. The same sums in the same order as by rows: the same bits.
 *
 * reference: model/dense.ts denseBackward, its dW = xᵀ · dout, by blocks of samples
 */
export function sparseDenseBackwardNarrowColumns(
  partials: usize, dout: usize, colStart: usize, colSample: usize, colValue: usize, scale: f32,
  inputs: i32, outputs: i32, blockSize: i32, bStart: i32, bEnd: i32,
): void {
  for (let b = bStart; b < bEnd; b++) {
    const padded = partials + ((<usize>b * <usize>inputs * 16) << 2);
    const starts = colStart + ((<usize>b * (<usize>inputs + 1)) << 2);
    const block = row(dout, b * blockSize, outputs);
    for (let i = 0; i < inputs; i++) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      const end = load<u32>(starts + ((<usize>i + 1) << 2));
      let k = <usize>load<u32>(starts + (<usize>i << 2));
      if (outputs <= 12) {
        for (; k < end; k++) {
          const xv = f32x4.splat(<f32>load<u8>(colValue + k) * scale);
          const d = row(block, <i32>load<u16>(colSample + (k << 1)), outputs);
          a0 = madd(a0, xv, v128.load(d));
          a1 = madd(a1, xv, v128.load(d + 16));
          a2 = madd(a2, xv, v128.load(d + 32));
        }
      } else {
        for (; k < end; k++) {
          const xv = f32x4.splat(<f32>load<u8>(colValue + k) * scale);
          const d = row(block, <i32>load<u16>(colSample + (k << 1)), outputs);
          a0 = madd(a0, xv, v128.load(d));
          a1 = madd(a1, xv, v128.load(d + 16));
          a2 = madd(a2, xv, v128.load(d + 32));
          a3 = madd(a3, xv, v128.load(d + 48));
        }
      }
      const to = row(padded, i, 16);
      v128.store(to, a0);
      v128.store(to + 16, a1);
      v128.store(to + 32, a2);
      v128.store(to + 48, a3);
    }
  }
}

/**
 * dW = Σ_b partials[b], in block order: the last step of sparseDenseBackwardNarrowBlocks.
 *
 * reference: model/dense.ts denseBackward, its dW = Σ_b (xᵀ · dout)_b
 */
export function sumNarrowBlocks(dW: usize, partials: usize, blocks: i32, inputs: i32, outputs: i32): void {
  const stride = (<usize>inputs * 16) << 2;
  for (let i = 0; i < inputs; i++) {
    let from = row(partials, i, 16);
    let a0 = v128.load(from), a1 = v128.load(from + 16), a2 = v128.load(from + 32), a3 = v128.load(from + 48);
    for (let b = 1; b < blocks; b++) {
      from += stride;
      a0 = f32x4.add(a0, v128.load(from));
      a1 = f32x4.add(a1, v128.load(from + 16));
      a2 = f32x4.add(a2, v128.load(from + 32));
      a3 = f32x4.add(a3, v128.load(from + 48));
    }
    storeRest(row(dW, i, outputs), a0, a1, a2, a3, outputs);
  }
}

/**
 * sparseDenseForward on the samples [nStart, nEnd), all outputs: how threads share a layer
 * too narrow to share by its outputs (a softmax regression's 10 classes) on a large batch.
 * Each sample's outputs are computed as sparseDenseForward computes them. At most 12 outputs
 * (three vectors of sums) go two samples at a time (sparseNarrowForwardPair).
 *
 * reference: model/dense.ts denseForward, x as sparse rows: out = x · W + b
 */
export function sparseDenseForwardSamples(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, outputs: i32, nStart: i32, nEnd: i32,
): void {
  let n = nStart;
  if (outputs <= 12) {
    for (; n + 2 <= nEnd; n += 2) {
      sparseNarrowForwardPair(out, rowStart, index, value, scale, W, b, outputs, n);
    }
  }
  if (n < nEnd) {
    sparseDenseForward(
      row(out, n, outputs), rowStart + (<usize>n << 2), index, value, scale,
      W, b, nEnd - n, outputs, 0, outputs,
    );
  }
}

/**
 * sparseDenseForward of samples n and n + 1 on at most 12 outputs, in one loop over their
 * nonzero pixels side by side: six sums, three a sample, each its sample's in the same order
 * as sparseDenseForward's (the same bits), but twice as many independent additions in flight:
 * three sums alone wait on the latency of each addition.
 */
@inline function sparseNarrowForwardPair(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, outputs: i32, n: i32,
): void {
  const stride = <usize>outputs << 2;
  let kA = <usize>load<u32>(rowStart + (<usize>n << 2));
  let kB = <usize>load<u32>(rowStart + ((<usize>n + 1) << 2));
  const endA = kB;
  const endB = <usize>load<u32>(rowStart + ((<usize>n + 2) << 2));
  const endBoth = kA + min(endA - kA, endB - kB);
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, c0 = a0, c1 = a0, c2 = a0;
  for (; kA < endBoth; kA++, kB++) {
    const xa = f32x4.splat(<f32><i32>load<u8>(value + kA));
    const xb = f32x4.splat(<f32><i32>load<u8>(value + kB));
    const wa = W + <usize>load<u16>(index + (kA << 1)) * stride;
    const wb = W + <usize>load<u16>(index + (kB << 1)) * stride;
    a0 = madd(a0, xa, v128.load(wa));
    c0 = madd(c0, xb, v128.load(wb));
    a1 = madd(a1, xa, v128.load(wa, 16));
    c1 = madd(c1, xb, v128.load(wb, 16));
    a2 = madd(a2, xa, v128.load(wa, 32));
    c2 = madd(c2, xb, v128.load(wb, 32));
  }
  for (; kA < endA; kA++) {
    const xa = f32x4.splat(<f32><i32>load<u8>(value + kA));
    const wa = W + <usize>load<u16>(index + (kA << 1)) * stride;
    a0 = madd(a0, xa, v128.load(wa));
    a1 = madd(a1, xa, v128.load(wa, 16));
    a2 = madd(a2, xa, v128.load(wa, 32));
  }
  for (; kB < endB; kB++) {
    const xb = f32x4.splat(<f32><i32>load<u8>(value + kB));
    const wb = W + <usize>load<u16>(index + (kB << 1)) * stride;
    c0 = madd(c0, xb, v128.load(wb));
    c1 = madd(c1, xb, v128.load(wb, 16));
    c2 = madd(c2, xb, v128.load(wb, 32));
  }
  const sv = f32x4.splat(scale);
  const oA = row(out, n, outputs), oB = row(out, n + 1, outputs);
  // ≤ 12 lanes: no fourth vector
  storeRest(oA, biasPlus(b, sv, a0), biasPlus(b + 16, sv, a1), biasPlus(b + 32, sv, a2), a2, outputs);
  storeRest(oB, biasPlus(b, sv, c0), biasPlus(b + 16, sv, c1), biasPlus(b + 32, sv, c2), c2, outputs);
}

/**
 * dW[iStart..iEnd, :] = xᵀ · dout, x as the columns that sparseColumns built; the rows of
 * pixels that are zero in the whole batch get zeros. Row by row: the outputs go 24, then 16,
 * then 4 at a time (see sparseDenseForward) over the samples of the row's column, whose rows of
 * dout stay in L1 from one block of outputs to the next. Threads share the rows: their sums
 * (down a column, in sample order) do not depend on how the rows are cut, and blocks of rows
 * balance the threads' work better than blocks of 24 outputs (11 of them for 256).
 *
 * reference: model/dense.ts denseBackward, its dW = xᵀ · dout (x as columns)
 */
export function sparseDenseBackward(
  dW: usize, dout: usize, colStart: usize, colSample: usize, colValue: usize,
  outputs: i32, iStart: i32, iEnd: i32,
): void {
  const stride = <usize>outputs << 2; // bytes a row of dout
  for (let i = iStart; i < iEnd; i++) {
    const start = load<u32>(colStart + (<usize>i << 2));
    const end = load<u32>(colStart + ((<usize>i + 1) << 2));
    const w = row(dW, i, outputs);
    let j = 0;
    for (; j + 24 <= outputs; j += 24) {
      const dj = dout + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = dj + <usize>load<u32>(colSample + (<usize>p << 2)) * stride;
        a0 = madd(a0, xv, v128.load(d));
        a1 = madd(a1, xv, v128.load(d, 16));
        a2 = madd(a2, xv, v128.load(d, 32));
        a3 = madd(a3, xv, v128.load(d, 48));
        a4 = madd(a4, xv, v128.load(d, 64));
        a5 = madd(a5, xv, v128.load(d, 80));
      }
      const wj = w + (<usize>j << 2);
      v128.store(wj, a0); v128.store(wj + 16, a1); v128.store(wj + 32, a2); v128.store(wj + 48, a3);
      v128.store(wj + 64, a4); v128.store(wj + 80, a5);
    }
    for (; j + 16 <= outputs; j += 16) {
      const dj = dout + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = dj + <usize>load<u32>(colSample + (<usize>p << 2)) * stride;
        a0 = madd(a0, xv, v128.load(d));
        a1 = madd(a1, xv, v128.load(d, 16));
        a2 = madd(a2, xv, v128.load(d, 32));
        a3 = madd(a3, xv, v128.load(d, 48));
      }
      const wj = w + (<usize>j << 2);
      v128.store(wj, a0); v128.store(wj + 16, a1); v128.store(wj + 32, a2); v128.store(wj + 48, a3);
    }
    for (; j < outputs; j += 4) {
      let a = f32x4.splat(0);
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = row(dout, <i32>load<u32>(colSample + (<usize>p << 2)), outputs) + (<usize>j << 2);
        a = madd(a, xv, v128.load(d));
      }
      storeLanes(w + (<usize>j << 2), a, outputs - j);
    }
  }
}

// The fast kernels: the same math as src/model (whose comments give the formulas), in
// WebAssembly with 128-bit SIMD (4 float32 lanes), compiled from AssemblyScript by
// `npm run build`. Every argument is a byte offset into the memory the engine shares with
// JavaScript; nothing here allocates. Tests hold these kernels to the reference within
// float32 tolerance.

/**
 * The end of the module's static data: the tables of Math.exp and Math.log, which
 * instantiation writes at the start of the memory. The engine's arrays come after it.
 */
export function staticEnd(): usize {
  return __heap_base;
}

// --- helpers: y[0..n) += a · x[0..n), and Σ x·y, four lanes at a time --------------------

@inline function axpy(y: usize, x: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

@inline function dot(x: usize, y: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let sum =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    f32x4.extract_lane(acc, 2) +
    f32x4.extract_lane(acc, 3);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    sum += load<f32>(x + o) * load<f32>(y + o);
  }
  return sum;
}

@inline function row(base: usize, r: i32, width: i32): usize {
  return base + ((<usize>r * <usize>width) << 2);
}

/**
 * Stores the first `count` lanes (any number) of four vectors: 16 floats at most. The tails
 * of rows are done with whole vectors that read up to 15 floats past the row: harmless, since
 * the engine pads every array by 64 bytes, and only the lanes that belong to the row are stored.
 */
@inline function storeRest(ptr: usize, a0: v128, a1: v128, a2: v128, a3: v128, count: i32): void {
  storeLanes(ptr, a0, count);
  if (count > 4) storeLanes(ptr + 16, a1, count - 4);
  if (count > 8) storeLanes(ptr + 32, a2, count - 8);
  if (count > 12) storeLanes(ptr + 48, a3, count - 12);
}

/** Stores the first `count` (1..4) lanes of v. */
@inline function storeLanes(ptr: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(ptr, v);
  } else if (count >= 2) {
    v128.store64_lane(ptr, v, 0);
    if (count == 3) v128.store32_lane(ptr, v, 2, 8);
  } else {
    v128.store32_lane(ptr, v, 0);
  }
}

/** b[0..4) + scale · sums: a layer's output from its sums of raw (unscaled) pixel values. */
@inline function biasPlus(b: usize, scale: v128, sums: v128): v128 {
  return f32x4.add(v128.load(b), f32x4.mul(scale, sums));
}

// --- dense layer with a sparse input (the pixels: CSR rows of u16 indices and u8 values) ----

/**
 * out = x · W + b, x given as CSR rows whose values are pixels, scaled by `scale`.
 * Outputs go 24 at a time, then 16, then 12 (a last block of at most 12, such as 10 classes):
 * six 4-lane sums stay in registers over all of a sample's nonzero pixels, so each multiply-add
 * costs one load (of W) and no store. Six independent sums hide the latency of the additions;
 * eight would be more than V8 keeps in vector registers: it puts one on the stack, which then
 * chains every step through memory. The sums are of the raw pixel bytes, out = b + scale · Σ:
 * one multiplication per output instead of one per pixel (the loop is bound by its count of
 * instructions; measured 6% faster on 10 and on 256 outputs).
 */
export function sparseDenseForward(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, batch: i32, outputs: i32, jStart: i32, jEnd: i32,
): void {
  const sv = f32x4.splat(scale);
  for (let n = 0; n < batch; n++) {
    const o = row(out, n, outputs);
    const start = load<u32>(rowStart + (<usize>n << 2));
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    let j = jStart;
    for (; j + 24 <= jEnd; j += 24) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = row(W, <i32>load<u16>(index + (<usize>k << 1)), outputs) + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w + 48)));
        a4 = f32x4.add(a4, f32x4.mul(xv, v128.load(w + 64)));
        a5 = f32x4.add(a5, f32x4.mul(xv, v128.load(w + 80)));
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
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = row(W, <i32>load<u16>(index + (<usize>k << 1)), outputs) + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w + 48)));
      }
      const bj = b + (<usize>j << 2);
      a0 = biasPlus(bj, sv, a0);
      a1 = biasPlus(bj + 16, sv, a1);
      a2 = biasPlus(bj + 32, sv, a2);
      a3 = biasPlus(bj + 48, sv, a3);
      storeRest(o + (<usize>j << 2), a0, a1, a2, a3, jEnd - j);
    }
    if (j < jEnd) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
      for (let k = start; k < end; k++) {
        const xv = f32x4.splat(<f32><i32>load<u8>(value + k));
        const w = row(W, <i32>load<u16>(index + (<usize>k << 1)), outputs) + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
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
      for (; k < end; k++) {
        const xv = f32x4.splat(<f32>load<u8>(value + k) * scale);
        const w = row(padded, <i32>load<u16>(index + (<usize>k << 1)), 16);
        v128.store(w, f32x4.add(v128.load(w), f32x4.mul(xv, d0)));
        v128.store(w + 16, f32x4.add(v128.load(w + 16), f32x4.mul(xv, d1)));
        v128.store(w + 32, f32x4.add(v128.load(w + 32), f32x4.mul(xv, d2)));
      }
    } else {
      for (; k < end; k++) {
        const xv = f32x4.splat(<f32>load<u8>(value + k) * scale);
        const w = row(padded, <i32>load<u16>(index + (<usize>k << 1)), 16);
        v128.store(w, f32x4.add(v128.load(w), f32x4.mul(xv, d0)));
        v128.store(w + 16, f32x4.add(v128.load(w + 16), f32x4.mul(xv, d1)));
        v128.store(w + 32, f32x4.add(v128.load(w + 32), f32x4.mul(xv, d2)));
        v128.store(w + 48, f32x4.add(v128.load(w + 48), f32x4.mul(xv, d3)));
      }
    }
  }
}

/**
 * sparseDenseBackwardNarrow for a large batch, in blocks of `blockSize` samples that threads
 * share: block b sums its samples into its own padded rows (partials + b · inputs × 16 floats),
 * then sumNarrowBlocks adds the blocks in block order. The blocks depend on the batch size
 * alone, so the result is the same with any number of threads.
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

/** dW = Σ_b partials[b], in block order: the last step of sparseDenseBackwardNarrowBlocks. */
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
 * Each sample's outputs are computed as sparseDenseForward computes them.
 */
export function sparseDenseForwardSamples(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, outputs: i32, nStart: i32, nEnd: i32,
): void {
  sparseDenseForward(
    row(out, nStart, outputs), rowStart + (<usize>nStart << 2), index, value, scale,
    W, b, nEnd - nStart, outputs, 0, outputs,
  );
}

/** db = Σ_n dout[n] */
export function sumRows(db: usize, dout: usize, batch: i32, outputs: i32): void {
  memory.fill(db, 0, <usize>outputs << 2);
  for (let n = 0; n < batch; n++) axpy(db, row(dout, n, outputs), 1, outputs);
}

/**
 * The batch's sparse rows turned into columns: for each pixel, the samples where it is nonzero
 * (colStart (inputs + 1), colSample, colValue), in sample order. Built once per batch for
 * sparseDenseBackward, so that each row of dW is summed in registers and stored once.
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
 * dW[:, jStart..jEnd) = xᵀ · dout, x as the columns that sparseColumns built; the rows of
 * pixels that are zero in the whole batch get zeros. Outputs go 24, then 16 at a time over all
 * inputs (see sparseDenseForward), so that the batch's slice of dout stays in L1.
 */
export function sparseDenseBackward(
  dW: usize, dout: usize, colStart: usize, colSample: usize, colValue: usize,
  inputs: i32, outputs: i32, jStart: i32, jEnd: i32,
): void {
  let j = jStart;
  for (; j + 24 <= jEnd; j += 24) {
    const dj = dout + (<usize>j << 2);
    for (let i = 0; i < inputs; i++) {
      const start = load<u32>(colStart + (<usize>i << 2));
      const end = load<u32>(colStart + ((<usize>i + 1) << 2));
      const wj = row(dW, i, outputs) + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = row(dj, <i32>load<u32>(colSample + (<usize>p << 2)), outputs);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(d)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(d + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(d + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(d + 48)));
        a4 = f32x4.add(a4, f32x4.mul(xv, v128.load(d + 64)));
        a5 = f32x4.add(a5, f32x4.mul(xv, v128.load(d + 80)));
      }
      v128.store(wj, a0); v128.store(wj + 16, a1); v128.store(wj + 32, a2); v128.store(wj + 48, a3);
      v128.store(wj + 64, a4); v128.store(wj + 80, a5);
    }
  }
  for (; j + 16 <= jEnd; j += 16) {
    const dj = dout + (<usize>j << 2);
    for (let i = 0; i < inputs; i++) {
      const start = load<u32>(colStart + (<usize>i << 2));
      const end = load<u32>(colStart + ((<usize>i + 1) << 2));
      const wj = row(dW, i, outputs) + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = row(dj, <i32>load<u32>(colSample + (<usize>p << 2)), outputs);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(d)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(d + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(d + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(d + 48)));
      }
      v128.store(wj, a0); v128.store(wj + 16, a1); v128.store(wj + 32, a2); v128.store(wj + 48, a3);
    }
  }
  for (; j < jEnd; j += 4) {
    for (let i = 0; i < inputs; i++) {
      const start = load<u32>(colStart + (<usize>i << 2));
      const end = load<u32>(colStart + ((<usize>i + 1) << 2));
      const wj = row(dW, i, outputs) + (<usize>j << 2);
      let a = f32x4.splat(0);
      for (let p = start; p < end; p++) {
        const xv = f32x4.splat(load<f32>(colValue + (<usize>p << 2)));
        const d = row(dout, <i32>load<u32>(colSample + (<usize>p << 2)), outputs) + (<usize>j << 2);
        a = f32x4.add(a, f32x4.mul(xv, v128.load(d)));
      }
      storeLanes(wj, a, jEnd - j);
    }
  }
}

// --- dense layer, dense input ------------------------------------------------------------------

/**
 * out = x · W + b; zero inputs (after ReLU, about half) are skipped. Outputs go 24, then 4 at
 * a time, their sums kept in registers over all inputs: each multiply-add loads W once.
 */
export function denseForward(
  out: usize, x: usize, W: usize, b: usize, batch: i32, inputs: i32, outputs: i32,
  jStart: i32, jEnd: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const o = row(out, n, outputs);
    const xr = row(x, n, inputs);
    let j = jStart;
    for (; j + 24 <= jEnd; j += 24) {
      const bj = b + (<usize>j << 2);
      let a0 = v128.load(bj), a1 = v128.load(bj + 16), a2 = v128.load(bj + 32), a3 = v128.load(bj + 48);
      let a4 = v128.load(bj + 64), a5 = v128.load(bj + 80);
      for (let i = 0; i < inputs; i++) {
        const xi = load<f32>(xr + (<usize>i << 2));
        if (xi == 0) continue;
        const xv = f32x4.splat(xi);
        const w = row(W, i, outputs) + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w + 48)));
        a4 = f32x4.add(a4, f32x4.mul(xv, v128.load(w + 64)));
        a5 = f32x4.add(a5, f32x4.mul(xv, v128.load(w + 80)));
      }
      const oj = o + (<usize>j << 2);
      v128.store(oj, a0); v128.store(oj + 16, a1); v128.store(oj + 32, a2); v128.store(oj + 48, a3);
      v128.store(oj + 64, a4); v128.store(oj + 80, a5);
    }
    for (; j < jEnd; j += 4) {
      let a = v128.load(b + (<usize>j << 2));
      for (let i = 0; i < inputs; i++) {
        const xi = load<f32>(xr + (<usize>i << 2));
        if (xi == 0) continue;
        a = f32x4.add(a, f32x4.mul(f32x4.splat(xi), v128.load(row(W, i, outputs) + (<usize>j << 2))));
      }
      storeLanes(o + (<usize>j << 2), a, jEnd - j);
    }
  }
}

/**
 * dW[:, jStart..jEnd) = xᵀ · dout, row by row (one input at a time), its sums over the batch
 * kept in registers.
 */
export function denseBackwardWeights(
  dW: usize, dout: usize, x: usize, batch: i32, inputs: i32, outputs: i32, jStart: i32, jEnd: i32,
): void {
  for (let i = 0; i < inputs; i++) {
    const w = row(dW, i, outputs);
    const xi = x + (<usize>i << 2);
    let j = jStart;
    for (; j + 8 <= jEnd; j += 8) {
      const wj = w + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0;
      for (let n = 0; n < batch; n++) {
        const v = load<f32>(row(xi, n, inputs));
        if (v == 0) continue;
        const xv = f32x4.splat(v);
        const d = row(dout, n, outputs) + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(d)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(d + 16)));
      }
      v128.store(wj, a0);
      v128.store(wj + 16, a1);
    }
    for (; j < jEnd; j += 4) {
      const wj = w + (<usize>j << 2);
      let a = f32x4.splat(0);
      for (let n = 0; n < batch; n++) {
        const v = load<f32>(row(xi, n, inputs));
        if (v == 0) continue;
        a = f32x4.add(a, f32x4.mul(f32x4.splat(v), v128.load(row(dout, n, outputs) + (<usize>j << 2))));
      }
      storeLanes(wj, a, jEnd - j);
    }
  }
}

/** dx = dout · Wᵀ, overwritten. */
export function denseBackwardInput(
  dx: usize, dout: usize, W: usize, batch: i32, inputs: i32, outputs: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, outputs);
    const r = row(dx, n, inputs);
    for (let i = 0; i < inputs; i++) {
      store<f32>(r + (<usize>i << 2), dot(d, row(W, i, outputs), outputs));
    }
  }
}

// --- BatchNorm, per feature over the batch; features are contiguous ------------------------

/** Training mode; `mean` is scratch (features). Moving statistics move by `momentum`. */
export function batchnormForwardTraining(
  out: usize, normalized: usize, inverseStd: usize, mean: usize, x: usize,
  gamma: usize, beta: usize, movingMean: usize, movingVariance: usize,
  batch: i32, features: i32, epsilon: f32, momentum: f32, jStart: i32, jEnd: i32,
): void {
  // the features [jStart, jEnd): every array moves to the first of them, rows keep their stride
  const at = <usize>jStart << 2;
  out += at; normalized += at; inverseStd += at; mean += at; x += at;
  gamma += at; beta += at; movingMean += at; movingVariance += at;
  const width = jEnd - jStart;
  const bytes = <usize>width << 2;
  memory.fill(mean, 0, bytes);
  memory.fill(inverseStd, 0, bytes); // holds the variance until the last step
  const invBatch: f32 = 1 / <f32>batch;
  for (let n = 0; n < batch; n++) axpy(mean, row(x, n, features), invBatch, width);
  const vectorEnd = width & ~3;
  const ib = f32x4.splat(invBatch);
  for (let n = 0; n < batch; n++) {
    const xr = row(x, n, features);
    let j = 0;
    for (; j < vectorEnd; j += 4) {
      const o = <usize>j << 2;
      const centred = f32x4.sub(v128.load(xr + o), v128.load(mean + o));
      v128.store(inverseStd + o, f32x4.add(v128.load(inverseStd + o), f32x4.mul(f32x4.mul(centred, centred), ib)));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      const centred = load<f32>(xr + o) - load<f32>(mean + o);
      store<f32>(inverseStd + o, load<f32>(inverseStd + o) + centred * centred * invBatch);
    }
  }
  for (let j = 0; j < width; j++) {
    const o = <usize>j << 2;
    const variance = load<f32>(inverseStd + o);
    const mu = load<f32>(mean + o);
    store<f32>(movingMean + o, momentum * load<f32>(movingMean + o) + (1 - momentum) * mu);
    store<f32>(movingVariance + o, momentum * load<f32>(movingVariance + o) + (1 - momentum) * variance);
    store<f32>(inverseStd + o, 1 / Mathf.sqrt(variance + epsilon));
  }
  for (let n = 0; n < batch; n++) {
    const xr = row(x, n, features);
    const hr = row(normalized, n, features);
    const yr = row(out, n, features);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(inverseStd + o));
      v128.store(hr + o, h);
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(gamma + o), h), v128.load(beta + o)));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(inverseStd + o);
      store<f32>(hr + o, h);
      store<f32>(yr + o, load<f32>(gamma + o) * h + load<f32>(beta + o));
    }
  }
}

/** Inference mode with the moving statistics; `scale` and `shift` are scratch (features). */
export function batchnormForwardInference(
  out: usize, x: usize, gamma: usize, beta: usize, movingMean: usize, movingVariance: usize,
  scale: usize, shift: usize, batch: i32, features: i32, epsilon: f32,
): void {
  for (let j = 0; j < features; j++) {
    const o = <usize>j << 2;
    const s = load<f32>(gamma + o) / Mathf.sqrt(load<f32>(movingVariance + o) + epsilon);
    store<f32>(scale + o, s);
    store<f32>(shift + o, load<f32>(beta + o) - load<f32>(movingMean + o) * s);
  }
  for (let n = 0; n < batch; n++) {
    const xr = row(x, n, features);
    const yr = row(out, n, features);
    for (let j = 0; j < features; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(shift + o));
    }
  }
}

/**
 * dγ = Σ dy x̂, dβ = Σ dy, dx = γ/(N σ) (N dy − Σ dy − x̂ Σ dy x̂), all overwritten.
 * sumDy, sumDyXHat, coefficient: scratch (features).
 */
export function batchnormBackward(
  dx: usize, dgamma: usize, dbeta: usize, sumDy: usize, sumDyXHat: usize, coefficient: usize,
  dout: usize, normalized: usize, inverseStd: usize, gamma: usize, batch: i32, features: i32,
  jStart: i32, jEnd: i32,
): void {
  // the features [jStart, jEnd), as in batchnormForwardTraining
  const at = <usize>jStart << 2;
  dx += at; dgamma += at; dbeta += at; sumDy += at; sumDyXHat += at; coefficient += at;
  dout += at; normalized += at; inverseStd += at; gamma += at;
  const width = jEnd - jStart;
  const bytes = <usize>width << 2;
  memory.fill(sumDy, 0, bytes);
  memory.fill(sumDyXHat, 0, bytes);
  const vectorEnd = width & ~3;
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, features);
    const h = row(normalized, n, features);
    let j = 0;
    for (; j < vectorEnd; j += 4) {
      const o = <usize>j << 2;
      const dv = v128.load(d + o);
      v128.store(sumDy + o, f32x4.add(v128.load(sumDy + o), dv));
      v128.store(sumDyXHat + o, f32x4.add(v128.load(sumDyXHat + o), f32x4.mul(dv, v128.load(h + o))));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(sumDy + o, load<f32>(sumDy + o) + load<f32>(d + o));
      store<f32>(sumDyXHat + o, load<f32>(sumDyXHat + o) + load<f32>(d + o) * load<f32>(h + o));
    }
  }
  memory.copy(dbeta, sumDy, bytes);
  memory.copy(dgamma, sumDyXHat, bytes);
  const nf = <f32>batch;
  for (let j = 0; j < width; j++) {
    const o = <usize>j << 2;
    store<f32>(coefficient + o, (load<f32>(gamma + o) * load<f32>(inverseStd + o)) / nf);
  }
  const nv = f32x4.splat(nf);
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, features);
    const h = row(normalized, n, features);
    const r = row(dx, n, features);
    let j = 0;
    for (; j < vectorEnd; j += 4) {
      const o = <usize>j << 2;
      const inner = f32x4.sub(
        f32x4.sub(f32x4.mul(nv, v128.load(d + o)), v128.load(sumDy + o)),
        f32x4.mul(v128.load(h + o), v128.load(sumDyXHat + o)),
      );
      v128.store(r + o, f32x4.mul(v128.load(coefficient + o), inner));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      const inner = nf * load<f32>(d + o) - load<f32>(sumDy + o) - load<f32>(h + o) * load<f32>(sumDyXHat + o);
      store<f32>(r + o, load<f32>(coefficient + o) * inner);
    }
  }
}

// --- softmax and cross-entropy ----------------------------------------------------------

/**
 * The fused softmax cross-entropy of a training step, forward and backward in one pass, with
 * the reference's float64 arithmetic (softmaxCrossEntropyForward, softmaxCrossEntropyBackward):
 *   losses[n] = (m − z_label) + ln s           (float64)
 *   dlogits[n][j] = scale · (p_j − y_j)        (overwritten)
 * where m = max_j z_j, s = Σ_j exp(z_j − m), p_j = exp(z_j − m) / s rounded to float32 as the
 * reference rounds it. labels: one byte per sample.
 */
export function softmaxCrossEntropy(
  losses: usize, dlogits: usize, logits: usize, labels: usize, classes: i32, scale: f64,
  nStart: i32, nEnd: i32,
): void {
  for (let n = nStart; n < nEnd; n++) {
    const z = row(logits, n, classes);
    const d = row(dlogits, n, classes);
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, <f64>load<f32>(z + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < classes; j++) {
      const e = Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - max);
      store<f32>(d + (<usize>j << 2), <f32>e); // the reference keeps exp(z − m) as float32 too
      sum += e;
    }
    const label = <i32>load<u8>(labels + <usize>n);
    for (let j = 0; j < classes; j++) {
      const p = <f32>(<f64>load<f32>(d + (<usize>j << 2)) / sum);
      store<f32>(d + (<usize>j << 2), <f32>(scale * (<f64>p - (j == label ? 1 : 0))));
    }
    const loss = max - <f64>load<f32>(z + (<usize>label << 2)) + Math.log(sum);
    store<f64>(losses + (<usize>n << 3), loss);
  }
}

// --- ReLU ---------------------------------------------------------------------------------

export function reluForward(out: usize, x: usize, length: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : 0);
  }
}

/** dx = dout · [out > 0]; dx is overwritten. */
export function reluBackward(dx: usize, dout: usize, out: usize, length: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dout + o), f32x4.gt(v128.load(out + o), zero)));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(out + o) > 0 ? load<f32>(dout + o) : 0);
  }
}

// --- optimisers: each updates elements [start, end), so that threads can share a parameter --

/** θ ← θ − lr · (g + λ θ) */
export function sgdStep(value: usize, gradient: usize, lr: f32, decay: f32, start: i32, end: i32): void {
  const lrv = f32x4.splat(lr);
  const dv = f32x4.splat(decay);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    v128.store(value + o, f32x4.sub(theta, f32x4.mul(lrv, g)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(value + o);
    store<f32>(value + o, v - lr * (load<f32>(gradient + o) + decay * v));
  }
}

/** v ← μ v + (g + λ θ);  θ ← θ − lr · v */
export function momentumStep(
  value: usize, gradient: usize, velocity: usize, lr: f32, decay: f32, mu: f32, start: i32, end: i32,
): void {
  const lrv = f32x4.splat(lr);
  const dv = f32x4.splat(decay);
  const muv = f32x4.splat(mu);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    const vel = f32x4.add(f32x4.mul(muv, v128.load(velocity + o)), g);
    v128.store(velocity + o, vel);
    v128.store(value + o, f32x4.sub(theta, f32x4.mul(lrv, vel)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(value + o);
    const vel = mu * load<f32>(velocity + o) + (load<f32>(gradient + o) + decay * v);
    store<f32>(velocity + o, vel);
    store<f32>(value + o, v - lr * vel);
  }
}

/**
 * Adam with g ← g + λ θ; m̂ = m / c1, v̂ = v / c2 (c = 1 − βᵗ). Moments below 1e-30 are
 * flushed to zero: denormal floats are slow, and wasm cannot turn on flush-to-zero.
 */
export function adamStep(
  value: usize, gradient: usize, m: usize, v: usize,
  lr: f32, decay: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
  start: i32, end: i32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1);
  const ob2 = f32x4.splat(1 - beta2);
  const tiny = f32x4.splat(1e-30);
  const stepSize = lr / c1; // θ −= lr m̂ / (√v̂ + ε) = (lr/c1) m / (√v / √c2 + ε): one division
  const inverseRootC2: f32 = 1 / Mathf.sqrt(c2);
  const sv = f32x4.splat(stepSize);
  const rv = f32x4.splat(inverseRootC2);
  const dv = f32x4.splat(decay);
  const ev = f32x4.splat(epsilon);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    let mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, g));
    let vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(g, g)));
    mm = v128.and(mm, f32x4.gt(f32x4.abs(mm), tiny));
    vv = v128.and(vv, f32x4.gt(vv, tiny));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const denominator = f32x4.add(f32x4.mul(f32x4.sqrt(vv), rv), ev);
    v128.store(value + o, f32x4.sub(theta, f32x4.div(f32x4.mul(sv, mm), denominator)));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    const theta = load<f32>(value + o);
    const g = load<f32>(gradient + o) + decay * theta;
    let mm = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    let vv = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    if (Mathf.abs(mm) <= 1e-30) mm = 0;
    if (vv <= 1e-30) vv = 0;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(value + o, theta - (stepSize * mm) / (Mathf.sqrt(vv) * inverseRootC2 + epsilon));
  }
}

// --- reductions ---------------------------------------------------------------------------

/**
 * Σ x² for gradient norms, by blocks: partials[b] = the sum over elements [b·block, (b+1)·block)
 * for each block in [start, end). The caller adds the partials in order, so that the sum does
 * not depend on which thread took which block.
 */
export function sumOfSquares(x: usize, partials: usize, block: i32, start: i32, end: i32): void {
  for (let b = start; b < end; b += block) {
    const length = min(block, end - b);
    store<f64>(partials + (<usize>(b / block) << 3), <f64>dot(x + (<usize>b << 2), x + (<usize>b << 2), length));
  }
}

// --- dense layer with few outputs (the classes) --------------------------------------------
// With 10 outputs a row of W is two and a half vectors. These versions work on a copy of W in
// scratch: with rows padded to whole vectors, or transposed (outputs, inputs) so that every
// loop runs along the inputs.

function transpose(to: usize, from: usize, rows: i32, columns: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      store<f32>(row(to, c, rows) + (<usize>r << 2), load<f32>(row(from, r, columns) + (<usize>c << 2)));
    }
  }
}

/**
 * out = x · W + b for a layer of at most 12 outputs: W is first copied into `padded` with rows
 * of 12 floats (three aligned vectors). Two inputs go per step, into two sets of sums: six in
 * all, enough to hide the additions' latency. Zero inputs are not skipped: after a ReLU about
 * half are zero, but in no order a branch could predict.
 */
export function denseForwardNarrow(
  out: usize, x: usize, W: usize, b: usize, padded: usize, batch: i32, inputs: i32, outputs: i32,
): void {
  for (let i = 0; i < inputs; i++) {
    const from = row(W, i, outputs);
    const to = row(padded, i, 12);
    v128.store(to, v128.load(from));
    v128.store(to + 16, v128.load(from + 16));
    v128.store(to + 32, v128.load(from + 32));
  }
  for (let n = 0; n < batch; n++) {
    const xr = row(x, n, inputs);
    let a0 = v128.load(b), a1 = v128.load(b + 16), a2 = v128.load(b + 32);
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0;
    let i = 0;
    for (; i + 2 <= inputs; i += 2) {
      const xa = v128.load32_splat(xr + (<usize>i << 2));
      const xb = v128.load32_splat(xr + (<usize>i << 2) + 4);
      const wa = row(padded, i, 12);
      a0 = f32x4.add(a0, f32x4.mul(xa, v128.load(wa)));
      c0 = f32x4.add(c0, f32x4.mul(xb, v128.load(wa + 48)));
      a1 = f32x4.add(a1, f32x4.mul(xa, v128.load(wa + 16)));
      c1 = f32x4.add(c1, f32x4.mul(xb, v128.load(wa + 64)));
      a2 = f32x4.add(a2, f32x4.mul(xa, v128.load(wa + 32)));
      c2 = f32x4.add(c2, f32x4.mul(xb, v128.load(wa + 80)));
    }
    if (i < inputs) {
      const xa = v128.load32_splat(xr + (<usize>i << 2));
      const wa = row(padded, i, 12);
      a0 = f32x4.add(a0, f32x4.mul(xa, v128.load(wa)));
      a1 = f32x4.add(a1, f32x4.mul(xa, v128.load(wa + 16)));
      a2 = f32x4.add(a2, f32x4.mul(xa, v128.load(wa + 32)));
    }
    const o = row(out, n, outputs);
    storeRest(o, f32x4.add(a0, c0), f32x4.add(a1, c1), f32x4.add(a2, c2), a2, outputs); // ≤ 12 lanes
  }
}

/**
 * db = Σ dout;  dWᵀ[j] = Σ_n dout[n][j] x[n], then transposed into dW;  dx[n] = Σ_j dout[n][j] Wᵀ[j]
 * (dx = 0: not wanted). All overwritten; `transposed` holds 2 · inputs · outputs floats.
 * Both products run 24 inputs at a time (then 16) with their sums in registers, over the
 * samples for dWᵀ and over the outputs for dx.
 */
export function denseBackwardNarrow(
  dx: usize, dW: usize, db: usize, dout: usize, x: usize, W: usize, transposed: usize,
  batch: i32, inputs: i32, outputs: i32,
): void {
  const dWT = transposed + ((<usize>inputs * <usize>outputs) << 2);
  sumRows(db, dout, batch, outputs);
  let i = 0;
  for (; i + 24 <= inputs; i += 24) {
    for (let j = 0; j < outputs; j++) {
      const g = dout + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let n = 0; n < batch; n++) {
        const gv = v128.load32_splat(row(g, n, outputs));
        const xi = row(x, n, inputs) + (<usize>i << 2);
        a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(xi)));
        a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(xi + 16)));
        a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(xi + 32)));
        a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(xi + 48)));
        a4 = f32x4.add(a4, f32x4.mul(gv, v128.load(xi + 64)));
        a5 = f32x4.add(a5, f32x4.mul(gv, v128.load(xi + 80)));
      }
      const t = row(dWT, j, inputs) + (<usize>i << 2);
      v128.store(t, a0); v128.store(t + 16, a1); v128.store(t + 32, a2);
      v128.store(t + 48, a3); v128.store(t + 64, a4); v128.store(t + 80, a5);
    }
  }
  for (; i < inputs; i += 16) {
    for (let j = 0; j < outputs; j++) {
      const g = dout + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let n = 0; n < batch; n++) {
        const gv = v128.load32_splat(row(g, n, outputs));
        const xi = row(x, n, inputs) + (<usize>i << 2);
        a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(xi)));
        a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(xi + 16)));
        a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(xi + 32)));
        a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(xi + 48)));
      }
      storeRest(row(dWT, j, inputs) + (<usize>i << 2), a0, a1, a2, a3, inputs - i);
    }
  }
  transpose(dW, dWT, outputs, inputs);
  if (!dx) return;
  transpose(transposed, W, inputs, outputs);
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, outputs);
    const to = row(dx, n, inputs);
    let i = 0;
    for (; i + 24 <= inputs; i += 24) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      for (let j = 0; j < outputs; j++) {
        const gv = v128.load32_splat(d + (<usize>j << 2));
        const w = row(transposed, j, inputs) + (<usize>i << 2);
        a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(w + 48)));
        a4 = f32x4.add(a4, f32x4.mul(gv, v128.load(w + 64)));
        a5 = f32x4.add(a5, f32x4.mul(gv, v128.load(w + 80)));
      }
      const t = to + (<usize>i << 2);
      v128.store(t, a0); v128.store(t + 16, a1); v128.store(t + 32, a2);
      v128.store(t + 48, a3); v128.store(t + 64, a4); v128.store(t + 80, a5);
    }
    for (; i < inputs; i += 16) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let j = 0; j < outputs; j++) {
        const gv = v128.load32_splat(d + (<usize>j << 2));
        const w = row(transposed, j, inputs) + (<usize>i << 2);
        a0 = f32x4.add(a0, f32x4.mul(gv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(gv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(gv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(gv, v128.load(w + 48)));
      }
      storeRest(to + (<usize>i << 2), a0, a1, a2, a3, inputs - i);
    }
  }
}

// --- data ---------------------------------------------------------------------------------

/**
 * Reorders sparse rows: the rows of the samples order[0 .. count), in that order, become a
 * new set of rows. One pass per epoch, after which every batch is a contiguous slice. Rows are
 * u32 row starts (count + 1), u16 pixel indices, u8 pixel values. Two steps: the new row
 * starts (rowStartsInOrder), then the copies (copyRows), which threads share by ranges of n.
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

/** Copies the rows of order[nStart .. nEnd) to where rowStartsInOrder put them. */
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

// The dense layer on dense input (the hidden layers' activations). Reference:
// src/model/dense.ts.

import { axpy, dot, madd, row, storeRest, storeLanes } from './helpers';

/**
 * db = Σ_n dout[n]
 *
 * reference: model/dense.ts denseBackward, its db = Σ_n dout[n]
 */
export function sumRows(db: usize, dout: usize, batch: i32, outputs: i32): void {
  memory.fill(db, 0, <usize>outputs << 2);
  for (let n = 0; n < batch; n++) axpy(db, row(dout, n, outputs), 1, outputs);
}

/**
 * out = x · W + b; zero inputs (after ReLU, about half) are skipped. Outputs go 24, then 4 at
 * a time, their sums kept in registers over all inputs: each multiply-add loads W once.
 *
 * reference: model/dense.ts denseForward: out = x · W + b
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
        a0 = madd(a0, xv, v128.load(w));
        a1 = madd(a1, xv, v128.load(w + 16));
        a2 = madd(a2, xv, v128.load(w + 32));
        a3 = madd(a3, xv, v128.load(w + 48));
        a4 = madd(a4, xv, v128.load(w + 64));
        a5 = madd(a5, xv, v128.load(w + 80));
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
        a = madd(a, f32x4.splat(xi), v128.load(row(W, i, outputs) + (<usize>j << 2)));
      }
      storeLanes(o + (<usize>j << 2), a, jEnd - j);
    }
  }
}

/**
 * dW[:, jStart..jEnd) = xᵀ · dout, row by row (one input at a time), its sums over the batch
 * kept in registers.
 *
 * reference: model/dense.ts denseBackward, its dW = xᵀ · dout
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
        a0 = madd(a0, xv, v128.load(d));
        a1 = madd(a1, xv, v128.load(d + 16));
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
        a = madd(a, f32x4.splat(v), v128.load(row(dout, n, outputs) + (<usize>j << 2)));
      }
      storeLanes(wj, a, jEnd - j);
    }
  }
}

/**
 * dx = dout · Wᵀ, overwritten.
 *
 * reference: model/dense.ts denseBackward, its dx = dout · Wᵀ
 */
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
 *
 * reference: model/dense.ts denseForward: out = x · W + b (fewer than 13 outputs)
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
      a0 = madd(a0, xa, v128.load(wa));
      c0 = madd(c0, xb, v128.load(wa + 48));
      a1 = madd(a1, xa, v128.load(wa + 16));
      c1 = madd(c1, xb, v128.load(wa + 64));
      a2 = madd(a2, xa, v128.load(wa + 32));
      c2 = madd(c2, xb, v128.load(wa + 80));
    }
    if (i < inputs) {
      const xa = v128.load32_splat(xr + (<usize>i << 2));
      const wa = row(padded, i, 12);
      a0 = madd(a0, xa, v128.load(wa));
      a1 = madd(a1, xa, v128.load(wa + 16));
      a2 = madd(a2, xa, v128.load(wa + 32));
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
 *
 * reference: model/dense.ts denseBackward: dW = xᵀ · dout, db = Σ_n dout[n], dx = dout · Wᵀ
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
        a0 = madd(a0, gv, v128.load(xi));
        a1 = madd(a1, gv, v128.load(xi + 16));
        a2 = madd(a2, gv, v128.load(xi + 32));
        a3 = madd(a3, gv, v128.load(xi + 48));
        a4 = madd(a4, gv, v128.load(xi + 64));
        a5 = madd(a5, gv, v128.load(xi + 80));
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
        a0 = madd(a0, gv, v128.load(xi));
        a1 = madd(a1, gv, v128.load(xi + 16));
        a2 = madd(a2, gv, v128.load(xi + 32));
        a3 = madd(a3, gv, v128.load(xi + 48));
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
        a0 = madd(a0, gv, v128.load(w));
        a1 = madd(a1, gv, v128.load(w + 16));
        a2 = madd(a2, gv, v128.load(w + 32));
        a3 = madd(a3, gv, v128.load(w + 48));
        a4 = madd(a4, gv, v128.load(w + 64));
        a5 = madd(a5, gv, v128.load(w + 80));
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
        a0 = madd(a0, gv, v128.load(w));
        a1 = madd(a1, gv, v128.load(w + 16));
        a2 = madd(a2, gv, v128.load(w + 32));
        a3 = madd(a3, gv, v128.load(w + 48));
      }
      storeRest(to + (<usize>i << 2), a0, a1, a2, a3, inputs - i);
    }
  }
}

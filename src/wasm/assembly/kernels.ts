// The fast kernels: the same math as src/model (whose comments give the formulas), in
// WebAssembly with 128-bit SIMD (4 float32 lanes), compiled from AssemblyScript by
// `npm run build`. Every argument is a byte offset into the memory the engine shares with
// JavaScript; nothing here allocates. Tests hold these kernels to the reference within
// float32 tolerance.

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

// --- dense layer with a sparse input (the pixels: CSR rows of u16 indices and u8 values) ----

/** out = x · W + b, x given as CSR rows whose values are pixels, scaled by `scale`. */
export function sparseDenseForward(
  out: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  W: usize, b: usize, batch: i32, outputs: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const o = row(out, n, outputs);
    memory.copy(o, b, <usize>outputs << 2);
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    for (let k = load<u32>(rowStart + (<usize>n << 2)); k < end; k++) {
      const i = <i32>load<u16>(index + (<usize>k << 1));
      axpy(o, row(W, i, outputs), <f32>load<u8>(value + k) * scale, outputs);
    }
  }
}

/** dW += xᵀ · dout, db += Σ dout, x sparse as above. */
export function sparseDenseBackward(
  dW: usize, db: usize, dout: usize, rowStart: usize, index: usize, value: usize, scale: f32,
  batch: i32, outputs: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, outputs);
    axpy(db, d, 1, outputs);
    const end = load<u32>(rowStart + ((<usize>n + 1) << 2));
    for (let k = load<u32>(rowStart + (<usize>n << 2)); k < end; k++) {
      const i = <i32>load<u16>(index + (<usize>k << 1));
      axpy(row(dW, i, outputs), d, <f32>load<u8>(value + k) * scale, outputs);
    }
  }
}

// --- dense layer, dense input ------------------------------------------------------------------

/** out = x · W + b; zero inputs (after ReLU, about half) are skipped. */
export function denseForward(
  out: usize, x: usize, W: usize, b: usize, batch: i32, inputs: i32, outputs: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const o = row(out, n, outputs);
    memory.copy(o, b, <usize>outputs << 2);
    const xr = row(x, n, inputs);
    for (let i = 0; i < inputs; i++) {
      const xi = load<f32>(xr + (<usize>i << 2));
      if (xi != 0) axpy(o, row(W, i, outputs), xi, outputs);
    }
  }
}

/** dW += xᵀ · dout, db += Σ dout, dx = dout · Wᵀ (dx = 0: not wanted). dx is overwritten. */
export function denseBackward(
  dx: usize, dW: usize, db: usize, dout: usize, x: usize, W: usize,
  batch: i32, inputs: i32, outputs: i32,
): void {
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, outputs);
    axpy(db, d, 1, outputs);
    const xr = row(x, n, inputs);
    for (let i = 0; i < inputs; i++) {
      const xi = load<f32>(xr + (<usize>i << 2));
      if (xi != 0) axpy(row(dW, i, outputs), d, xi, outputs);
      if (dx) store<f32>(row(dx, n, inputs) + (<usize>i << 2), dot(d, row(W, i, outputs), outputs));
    }
  }
}

// --- BatchNorm, per feature over the batch; features are contiguous ------------------------

/** Training mode; `mean` is scratch (features). Moving statistics move by `momentum`. */
export function batchnormForwardTraining(
  out: usize, normalized: usize, inverseStd: usize, mean: usize, x: usize,
  gamma: usize, beta: usize, movingMean: usize, movingVariance: usize,
  batch: i32, features: i32, epsilon: f32, momentum: f32,
): void {
  const bytes = <usize>features << 2;
  memory.fill(mean, 0, bytes);
  memory.fill(inverseStd, 0, bytes); // holds the variance until the last step
  const invBatch: f32 = 1 / <f32>batch;
  for (let n = 0; n < batch; n++) axpy(mean, row(x, n, features), invBatch, features);
  for (let n = 0; n < batch; n++) {
    const xr = row(x, n, features);
    for (let j = 0; j < features; j++) {
      const o = <usize>j << 2;
      const centred = load<f32>(xr + o) - load<f32>(mean + o);
      store<f32>(inverseStd + o, load<f32>(inverseStd + o) + centred * centred * invBatch);
    }
  }
  for (let j = 0; j < features; j++) {
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
    for (; j + 4 <= features; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(inverseStd + o));
      v128.store(hr + o, h);
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(gamma + o), h), v128.load(beta + o)));
    }
    for (; j < features; j++) {
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

/** dγ += Σ dy x̂, dβ += Σ dy, dx = γ/(N σ) (N dy − Σ dy − x̂ Σ dy x̂); dx is overwritten. */
export function batchnormBackward(
  dx: usize, dgamma: usize, dbeta: usize, sumDy: usize, sumDyXHat: usize, dout: usize,
  normalized: usize, inverseStd: usize, gamma: usize, batch: i32, features: i32,
): void {
  const bytes = <usize>features << 2;
  memory.fill(sumDy, 0, bytes);
  memory.fill(sumDyXHat, 0, bytes);
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, features);
    const h = row(normalized, n, features);
    axpy(sumDy, d, 1, features);
    for (let j = 0; j < features; j++) {
      const o = <usize>j << 2;
      store<f32>(sumDyXHat + o, load<f32>(sumDyXHat + o) + load<f32>(d + o) * load<f32>(h + o));
    }
  }
  axpy(dbeta, sumDy, 1, features);
  axpy(dgamma, sumDyXHat, 1, features);
  const nf = <f32>batch;
  for (let n = 0; n < batch; n++) {
    const d = row(dout, n, features);
    const h = row(normalized, n, features);
    const r = row(dx, n, features);
    for (let j = 0; j < features; j++) {
      const o = <usize>j << 2;
      const s = (load<f32>(gamma + o) * load<f32>(inverseStd + o)) / nf;
      store<f32>(
        r + o,
        s * (nf * load<f32>(d + o) - load<f32>(sumDy + o) - load<f32>(h + o) * load<f32>(sumDyXHat + o)),
      );
    }
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

// --- optimisers ---------------------------------------------------------------------------

/** θ ← θ − lr · (g + λ θ) */
export function sgdStep(value: usize, gradient: usize, length: i32, lr: f32, decay: f32): void {
  for (let i = 0; i < length; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(value + o);
    store<f32>(value + o, v - lr * (load<f32>(gradient + o) + decay * v));
  }
}

/** v ← μ v + (g + λ θ);  θ ← θ − lr · v */
export function momentumStep(
  value: usize, gradient: usize, velocity: usize, length: i32, lr: f32, decay: f32, mu: f32,
): void {
  for (let i = 0; i < length; i++) {
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
  value: usize, gradient: usize, m: usize, v: usize, length: i32,
  lr: f32, decay: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1);
  const ob2 = f32x4.splat(1 - beta2);
  const tiny = f32x4.splat(1e-30);
  const lrv = f32x4.splat(lr);
  const dv = f32x4.splat(decay);
  const c1v = f32x4.splat(c1);
  const c2v = f32x4.splat(c2);
  const ev = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const o = <usize>i << 2;
    const theta = v128.load(value + o);
    const g = f32x4.add(v128.load(gradient + o), f32x4.mul(dv, theta));
    let mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, g));
    let vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(g, g)));
    mm = v128.and(mm, f32x4.gt(f32x4.abs(mm), tiny));
    vv = v128.and(vv, f32x4.gt(vv, tiny));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const step = f32x4.div(f32x4.div(mm, c1v), f32x4.add(f32x4.sqrt(f32x4.div(vv, c2v)), ev));
    v128.store(value + o, f32x4.sub(theta, f32x4.mul(lrv, step)));
  }
  for (; i < length; i++) {
    const o = <usize>i << 2;
    const theta = load<f32>(value + o);
    const g = load<f32>(gradient + o) + decay * theta;
    let mm = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    let vv = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    if (Mathf.abs(mm) <= 1e-30) mm = 0;
    if (vv <= 1e-30) vv = 0;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(value + o, theta - (lr * (mm / c1)) / (Mathf.sqrt(vv / c2) + epsilon));
  }
}

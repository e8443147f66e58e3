// BatchNorm, per feature over the batch; features are contiguous. Reference:
// src/model/batchnorm.ts.

import { axpy, row } from './helpers';

/**
 * Training mode; `mean` is scratch (features). Moving statistics move by `momentum`.
 *
 * reference: model/batchnorm.ts batchnormForwardTraining: out = γ (x − μ_B) / √(σ²_B + ε) + β
 */
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

/**
 * Inference mode with the moving statistics; `scale` and `shift` are scratch (features).
 *
 * reference: model/batchnorm.ts batchnormForwardInference: out = γ (x − μ) / √(σ² + ε) + β
 */
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
 *
 * reference: model/batchnorm.ts batchnormBackward: dx = γ/σ_B · (dout − mean(dout) − x̂ · mean(dout · x̂))
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

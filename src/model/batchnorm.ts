// Batch normalisation (Ioffe & Szegedy 2015; Caffe's BatchNormLayer, Keras' BatchNormalization),
// per feature j over a batch of N samples.

import type { Floats } from './tensor.js';

/**
 * Training mode:
 *   μ_j = (1/N) Σ_n x_nj          σ²_j = (1/N) Σ_n (x_nj − μ_j)²     (the biased variance)
 *   x̂_nj = (x_nj − μ_j) / √(σ²_j + ε)
 *   y_nj = γ_j x̂_nj + β_j
 * and the moving statistics used at inference move towards the batch's:
 *   moving ← momentum · moving + (1 − momentum) · batch
 *
 * x, out, normalized (x̂, kept for backward): (batch, features)
 * gamma, beta, mean, variance, inverseStd (1/√(σ²+ε), kept for backward): (features)
 */
export function batchnormForwardTraining(
  out: Floats,
  normalized: Floats,
  inverseStd: Floats,
  x: Floats,
  gamma: Floats,
  beta: Floats,
  movingMean: Floats,
  movingVariance: Floats,
  batch: number,
  features: number,
  epsilon: number,
  momentum: number,
): void {
  for (let j = 0; j < features; j++) {
    let mean = 0;
    for (let n = 0; n < batch; n++) mean += x[n * features + j];
    mean /= batch;
    let variance = 0;
    for (let n = 0; n < batch; n++) {
      const centred = x[n * features + j] - mean;
      variance += centred * centred;
    }
    variance /= batch;
    const invStd = 1 / Math.sqrt(variance + epsilon);
    inverseStd[j] = invStd;
    for (let n = 0; n < batch; n++) {
      const i = n * features + j;
      const xHat = (x[i] - mean) * invStd;
      normalized[i] = xHat;
      out[i] = gamma[j] * xHat + beta[j];
    }
    movingMean[j] = momentum * movingMean[j] + (1 - momentum) * mean;
    movingVariance[j] = momentum * movingVariance[j] + (1 - momentum) * variance;
  }
}

/**
 * Inference mode, with the moving statistics: y = γ (x − moving μ) / √(moving σ² + ε) + β.
 * Each sample is normalised on its own, so results do not depend on the batch size.
 */
export function batchnormForwardInference(
  out: Floats,
  x: Floats,
  gamma: Floats,
  beta: Floats,
  movingMean: Floats,
  movingVariance: Floats,
  batch: number,
  features: number,
  epsilon: number,
): void {
  for (let j = 0; j < features; j++) {
    const scale = gamma[j] / Math.sqrt(movingVariance[j] + epsilon);
    const shift = beta[j] - movingMean[j] * scale;
    for (let n = 0; n < batch; n++) out[n * features + j] = x[n * features + j] * scale + shift;
  }
}

/**
 * Backward of training mode, given dy = ∂L/∂y:
 *   dβ_j += Σ_n dy_nj
 *   dγ_j += Σ_n dy_nj x̂_nj
 *   dx_nj += (γ_j / (N √(σ²_j + ε))) · (N dy_nj − Σ_m dy_mj − x̂_nj Σ_m dy_mj x̂_mj)
 * (the mean and variance depend on every x_nj: that is where the two sums come from).
 * Written as sums (+=), like denseBackward; the reference engine zeroes the outputs first.
 */
export function batchnormBackward(
  dx: Floats,
  dgamma: Floats,
  dbeta: Floats,
  dout: Floats,
  normalized: Floats,
  inverseStd: Floats,
  gamma: Floats,
  batch: number,
  features: number,
): void {
  for (let j = 0; j < features; j++) {
    let sumDy = 0;
    let sumDyXHat = 0;
    for (let n = 0; n < batch; n++) {
      const i = n * features + j;
      sumDy += dout[i];
      sumDyXHat += dout[i] * normalized[i];
    }
    dbeta[j] += sumDy;
    dgamma[j] += sumDyXHat;
    const scale = (gamma[j] * inverseStd[j]) / batch;
    for (let n = 0; n < batch; n++) {
      const i = n * features + j;
      dx[i] += scale * (batch * dout[i] - sumDy - normalized[i] * sumDyXHat);
    }
  }
}

/**
 * Backward of inference mode, given dy = ∂L/∂y, with the moving statistics held constant:
 *   x̂_nj = (x_nj − moving μ_j) / √(moving σ²_j + ε)
 *   dβ_j = Σ_n dy_nj      dγ_j = Σ_n dy_nj x̂_nj      dx_nj = dy_nj γ_j / √(moving σ²_j + ε)
 * Training never runs it (it normalises by the batch's statistics); `explain` does, for a step
 * on one sample, whose own variance is 0. dx, dgamma and dbeta are overwritten.
 */
export function batchnormBackwardInference(
  dx: Floats,
  dgamma: Floats,
  dbeta: Floats,
  dout: Floats,
  x: Floats,
  gamma: Floats,
  movingMean: Floats,
  movingVariance: Floats,
  batch: number,
  features: number,
  epsilon: number,
): void {
  for (let j = 0; j < features; j++) {
    const inverseStd = 1 / Math.sqrt(movingVariance[j] + epsilon);
    let sumDy = 0;
    let sumDyXHat = 0;
    for (let n = 0; n < batch; n++) {
      const i = n * features + j;
      sumDy += dout[i];
      sumDyXHat += dout[i] * (x[i] - movingMean[j]) * inverseStd;
      dx[i] = dout[i] * gamma[j] * inverseStd;
    }
    dbeta[j] = sumDy;
    dgamma[j] = sumDyXHat;
  }
}

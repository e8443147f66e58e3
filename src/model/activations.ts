// Element-wise activations. Each backward uses the forward's output y, which is all it needs.

import type { Floats } from './tensor.js';

export type ActivationName = 'relu' | 'sigmoid' | 'tanh';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'sigmoid', 'tanh'];

/** relu: y = max(0, x)              dx += dy · [y > 0] */
export function reluForward(out: Floats, x: Floats, length: number): void {
  for (let i = 0; i < length; i++) out[i] = x[i] > 0 ? x[i] : 0;
}
export function reluBackward(dx: Floats, dout: Floats, out: Floats, length: number): void {
  for (let i = 0; i < length; i++) if (out[i] > 0) dx[i] += dout[i];
}

/** sigmoid: y = 1 / (1 + e^−x)      dx += dy · y (1 − y)    (at most dy / 4: gradients shrink) */
export function sigmoidForward(out: Floats, x: Floats, length: number): void {
  for (let i = 0; i < length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
}
export function sigmoidBackward(dx: Floats, dout: Floats, out: Floats, length: number): void {
  for (let i = 0; i < length; i++) dx[i] += dout[i] * out[i] * (1 - out[i]);
}

/** tanh: y = tanh x                  dx += dy · (1 − y²) */
export function tanhForward(out: Floats, x: Floats, length: number): void {
  for (let i = 0; i < length; i++) out[i] = Math.tanh(x[i]);
}
export function tanhBackward(dx: Floats, dout: Floats, out: Floats, length: number): void {
  for (let i = 0; i < length; i++) dx[i] += dout[i] * (1 - out[i] * out[i]);
}

export const ACTIVATION_KERNELS = {
  relu: { forward: reluForward, backward: reluBackward },
  sigmoid: { forward: sigmoidForward, backward: sigmoidBackward },
  tanh: { forward: tanhForward, backward: tanhBackward },
} as const;

/**
 * The share of a hidden layer's units that pass (almost) no gradient back, from its outputs
 * y: (batch, units) of one forward pass.
 *   relu:    dead units: y = 0 for every sample of the batch (∂y/∂x = 0 for all of them)
 *   sigmoid: saturated outputs: y < 0.01 or y > 0.99 (∂y/∂x = y (1 − y) < 0.0099, under 4% of
 *            its maximum 1/4), as a share of all batch × units outputs
 *   tanh:    saturated outputs: |y| > 0.99 (∂y/∂x = 1 − y² < 0.02)
 */
export function saturation(name: ActivationName, y: Floats, batch: number, units: number): number {
  if (name === 'relu') {
    let dead = 0;
    for (let j = 0; j < units; j++) {
      let n = 0;
      while (n < batch && y[n * units + j] === 0) n++;
      if (n === batch) dead++;
    }
    return dead / units;
  }
  const length = batch * units;
  let saturated = 0;
  for (let i = 0; i < length; i++) {
    const tail = name === 'sigmoid' ? Math.abs(y[i] - 0.5) > 0.49 : Math.abs(y[i]) > 0.99;
    if (tail) saturated++;
  }
  return saturated / length;
}

/** Where a hidden layer's units sit on their activation curve in one forward pass. */
export interface PreActivationStats {
  /** Mean and standard deviation of the pre-activations x over all batch × units values. */
  mean: number;
  sd: number;
  /**
   * Mean derivative ∂y/∂x over the same values: sigmoid y (1 − y) (at most 1/4), tanh 1 − y²
   * (at most 1), relu the share of outputs above 0 (the units passing the gradient).
   */
  slope: number;
}

/** The statistics of x → y of one forward pass, `length` = batch × units values (float64 sums). */
export function preActivationStats(
  name: ActivationName,
  x: Floats,
  y: Floats,
  length: number,
): PreActivationStats {
  let sum = 0;
  let squares = 0;
  let slope = 0;
  for (let i = 0; i < length; i++) {
    sum += x[i];
    squares += x[i] * x[i];
    const v = y[i];
    slope += name === 'sigmoid' ? v * (1 - v) : name === 'tanh' ? 1 - v * v : v > 0 ? 1 : 0;
  }
  const mean = sum / length;
  return {
    mean,
    sd: Math.sqrt(Math.max(0, squares / length - mean * mean)),
    slope: slope / length,
  };
}

// Fully connected layer, as a forward/backward pair of kernels.

import type { Floats } from './tensor.js';

/**
 * out = x · W + b
 *
 * x: (batch, inputs)   W: (inputs, outputs), row-major, W[i][j] joins input i to output j
 * b: (outputs)         out: (batch, outputs)
 *
 * Zero inputs are skipped: about 81% of MNIST pixels are zero, so this is most of the work saved.
 * Sums are kept in float64 and rounded once when stored.
 */
export function denseForward(
  out: Floats,
  x: Floats,
  W: Floats,
  b: Floats,
  batch: number,
  inputs: number,
  outputs: number,
): void {
  const sum = new Float64Array(outputs);
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < outputs; j++) sum[j] = b[j];
    const xRow = n * inputs;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue;
      const wRow = i * outputs;
      for (let j = 0; j < outputs; j++) sum[j] += xi * W[wRow + j];
    }
    const outRow = n * outputs;
    for (let j = 0; j < outputs; j++) out[outRow + j] = sum[j];
  }
}

/**
 * Given dout = ∂L/∂out:
 *   dW += xᵀ · dout      db += Σ_n dout[n]      dx += dout · Wᵀ   (dx may be null: not needed
 *                                                                  for the network's input)
 * Written as sums (+=); the reference engine (engine.ts) zeroes dW, db and dx first, so that
 * each backward pass overwrites the gradients of the step before.
 */
export function denseBackward(
  dx: Floats | null,
  dW: Floats,
  db: Floats,
  dout: Floats,
  x: Floats,
  W: Floats,
  batch: number,
  inputs: number,
  outputs: number,
): void {
  for (let n = 0; n < batch; n++) {
    const xRow = n * inputs;
    const doutRow = n * outputs;
    for (let j = 0; j < outputs; j++) db[j] += dout[doutRow + j];
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi !== 0) {
        const wRow = i * outputs;
        for (let j = 0; j < outputs; j++) dW[wRow + j] += xi * dout[doutRow + j];
      }
      if (dx) {
        const wRow = i * outputs;
        let sum = 0;
        for (let j = 0; j < outputs; j++) sum += dout[doutRow + j] * W[wRow + j];
        dx[xRow + i] += sum;
      }
    }
  }
}

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

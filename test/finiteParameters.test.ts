// allFinite, the trainer's check that a network has not diverged (and a checkpoint's that its
// arrays are numbers): every(Number.isFinite)'s answer, without boxing each element.

import { describe, expect, it } from 'vitest';
import { allFinite } from '../src/model/tensor.js';

describe('allFinite', () => {
  const largest = 3.4028234663852886e38; // float32's largest finite value

  it('is true when every element is finite, even the largest and the smallest', () => {
    const values = new Float32Array(200_000).fill(largest);
    values[1] = -largest;
    values[2] = 1.4e-45;
    values[3] = -0;
    expect(allFinite(values)).toBe(true);
    expect(allFinite(new Float32Array(0))).toBe(true);
  });

  it.each([NaN, Infinity, -Infinity])('is false when one element is %s, wherever it is', (bad) => {
    for (const at of [0, 4_097, 199_999]) {
      const values = new Float32Array(200_000).fill(1);
      values[at] = bad;
      expect(allFinite(values)).toBe(false);
      expect(allFinite(values)).toBe(values.every(Number.isFinite));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { compare, numericalGradient } from '../src/check/finiteDifferences.js';
import { denseBackward, denseForward } from '../src/model/dense.js';
import {
  crossEntropyForward,
  crossEntropyOfProbabilities,
  softmaxBackward,
  softmaxCrossEntropyBackward,
  softmaxForward,
} from '../src/model/softmax.js';
import { argmax } from '../src/model/tensor.js';
import { Random } from '../src/random.js';

/** TensorFlow printed these in float32: agree to float32 precision (2^-23 ≈ 1.2e-7 relative). */
function expectFloat32Close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(2.4e-7);
}

function randomArray(length: number, random: Random, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => random.uniform(-scale, scale));
}

describe('softmax and cross-entropy against hand-computed values', () => {
  it('softmax([1, 1, 2, 4, 6, 8]) as in TensorFlow, argmax 5', () => {
    const logits = Float64Array.from([1, 1, 2, 4, 6, 8]);
    const p = new Float64Array(6);
    softmaxForward(p, logits, 1, 6);
    const expected = [
      7.87494471e-4, 7.87494471e-4, 2.14063213e-3, 1.58172492e-2, 1.16874546e-1, 8.63592565e-1,
    ];
    expected.forEach((value, i) => expectFloat32Close(p[i], value));
    expect(argmax(p)).toBe(5);
  });

  it('softmax of [1, 2, 3] by hand: e^z / (e + e² + e³)', () => {
    const p = new Float64Array(3);
    softmaxForward(p, Float64Array.from([1, 2, 3]), 1, 3);
    const sum = Math.E + Math.E ** 2 + Math.E ** 3;
    [Math.E / sum, Math.E ** 2 / sum, Math.E ** 3 / sum].forEach((value, i) =>
      expect(p[i]).toBeCloseTo(value, 15),
    );
    [0.09003057, 0.24472848, 0.66524094].forEach((value, i) => expectFloat32Close(p[i], value));
  });

  it('cross-entropy of logits [1,2,3]×3 with label 2: mean 0.407606, sum 1.22282', () => {
    const logits = Float64Array.from([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const losses = new Float64Array(3);
    crossEntropyForward(losses, logits, [2, 2, 2], 3, 3);
    const sum = losses[0] + losses[1] + losses[2];
    expect(sum / 3).toBeCloseTo(0.407606, 6);
    expect(sum).toBeCloseTo(1.22282, 5);
    expect(losses[0]).toBeCloseTo(-Math.log(0.66524094), 7);
  });

  it('cross-entropy of the prediction (0.5, 0.4, 0.1) against [1, 0, 0] is ln 2', () => {
    expect(crossEntropyOfProbabilities([0.5, 0.4, 0.1], [1, 0, 0])).toBeCloseTo(Math.LN2, 15);
    expect(Number.isFinite(crossEntropyOfProbabilities([0, 1], [1, 0]))).toBe(true);
  });

  it('is stable at logits near ±1000 where a naive softmax overflows', () => {
    const base = [2.0, 1.0, 0.1];
    const reference = new Float64Array(3);
    softmaxForward(reference, Float64Array.from(base), 1, 3);
    expect(reference[0]).toBeCloseTo(0.659, 3);
    for (const shift of [1000, -1000]) {
      const p = new Float64Array(3);
      const logits = Float64Array.from(base.map((z) => z + shift));
      softmaxForward(p, logits, 1, 3);
      p.forEach((value, i) => expect(value).toBeCloseTo(reference[i], 12));
      const loss = new Float64Array(1);
      crossEntropyForward(loss, logits, [2], 1, 3);
      expect(loss[0]).toBeCloseTo(-Math.log(reference[2]), 10);
    }
    // the naive formula really does break there
    expect(Math.exp(1002) / (Math.exp(1002) + Math.exp(1001))).toBeNaN();
  });
});

describe('backward passes against float64 central finite differences', () => {
  const batch = 4;
  const classes = 5;
  const inputs = 7;

  it('fused softmax cross-entropy: dz = (p − y) / batch', () => {
    for (const shift of [0, 1000, -1000]) {
      const random = new Random(7);
      const logits = randomArray(batch * classes, random, 3).map((z) => z + shift);
      const labels = [0, 4, 2, 2];
      const losses = new Float64Array(batch);
      const meanLoss = () => {
        crossEntropyForward(losses, logits, labels, batch, classes);
        return losses.reduce((a, b) => a + b, 0) / batch;
      };
      const p = new Float64Array(batch * classes);
      softmaxForward(p, logits, batch, classes);
      const dlogits = new Float64Array(batch * classes);
      softmaxCrossEntropyBackward(dlogits, p, labels, batch, classes, 1 / batch);
      const numeric = numericalGradient(meanLoss, logits, 1e-5);
      expect(compare(dlogits, numeric, 1e-6).maxRelError).toBeLessThan(1e-6);
    }
  });

  it('standalone softmax backward: dz = (da − dot(da, a)) ⊙ a', () => {
    const random = new Random(3);
    const logits = randomArray(batch * classes, random, 2);
    const weights = randomArray(batch * classes, random); // L = Σ weights ⊙ softmax(z)
    const p = new Float64Array(batch * classes);
    const loss = () => {
      softmaxForward(p, logits, batch, classes);
      return p.reduce((sum, value, i) => sum + value * weights[i], 0);
    };
    loss();
    const dlogits = new Float64Array(batch * classes);
    softmaxBackward(dlogits, weights, p, batch, classes);
    const numeric = numericalGradient(loss, logits);
    expect(compare(dlogits, numeric, 1e-6).maxRelError).toBeLessThan(1e-6);
  });

  it('dense: dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ', () => {
    const random = new Random(11);
    const x = randomArray(batch * inputs, random);
    x[3] = 0; // a zero input is skipped in forward and backward; its gradient must still be right
    const W = randomArray(inputs * classes, random);
    const b = randomArray(classes, random);
    const upstream = randomArray(batch * classes, random); // L = Σ upstream ⊙ out
    const out = new Float64Array(batch * classes);
    const loss = () => {
      denseForward(out, x, W, b, batch, inputs, classes);
      return out.reduce((sum, value, i) => sum + value * upstream[i], 0);
    };
    const dx = new Float64Array(x.length);
    const dW = new Float64Array(W.length);
    const db = new Float64Array(b.length);
    denseBackward(dx, dW, db, upstream, x, W, batch, inputs, classes);
    for (const [analytic, parameter] of [
      [dx, x],
      [dW, W],
      [db, b],
    ] as const) {
      expect(compare(analytic, numericalGradient(loss, parameter), 1e-6).maxRelError).toBeLessThan(
        1e-6,
      );
    }
  });

  it('a wrong gradient is caught', () => {
    const random = new Random(5);
    const logits = randomArray(classes, random);
    const p = new Float64Array(classes);
    softmaxForward(p, logits, 1, classes);
    const wrong = new Float64Array(classes);
    softmaxCrossEntropyBackward(wrong, p, [1], 1, classes, 1);
    wrong[1] += 1e-3;
    const loss = new Float64Array(1);
    const numeric = numericalGradient(() => {
      crossEntropyForward(loss, logits, [1], 1, classes);
      return loss[0];
    }, logits);
    expect(compare(wrong, numeric, 1e-6).maxRelError).toBeGreaterThan(1e-4);
  });
});

describe('the fused softmax and cross-entropy forward of training', () => {
  it('gives exactly what softmaxForward and crossEntropyForward give apart', async () => {
    const { softmaxCrossEntropyForward } = await import('../src/model/softmax.js');
    const random = new Random(4);
    const logits = Float32Array.from({ length: 40 }, () => random.uniform(-20, 20));
    const labels = [3, 0, 9, 5];
    const p1 = new Float32Array(40);
    const p2 = new Float32Array(40);
    const l1 = new Float64Array(4);
    const l2 = new Float64Array(4);
    softmaxCrossEntropyForward(p1, l1, logits, labels, 4, 10);
    softmaxForward(p2, logits, 4, 10);
    crossEntropyForward(l2, logits, labels, 4, 10);
    expect(Array.from(p1)).toEqual(Array.from(p2));
    expect(Array.from(l1)).toEqual(Array.from(l2));
  });
});

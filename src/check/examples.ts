// The numeric examples of the classic TensorFlow material, each computed twice: by the
// hand-written kernels (in float32, as training runs) and by TensorFlow.js.

import { formatFloat32 } from '../model/floatText.js';
import {
  crossEntropyForward,
  crossEntropyOfProbabilities,
  softmaxForward,
} from '../model/softmax.js';
import { argmax } from '../model/tensor.js';
import type { Tf } from './tfjs.js';

export interface ExampleResult {
  name: string;
  /** Shape of the values, [n] or [rows, columns]; [] for a scalar. */
  shape: number[];
  handWritten: number[];
  tfjs: number[];
  /** As the material prints them; the number of digits given sets the tolerance. */
  expected: string[];
  maxAbsDiff: number;
  ok: boolean;
  note?: string;
}

interface Example {
  name: string;
  shape: number[];
  expected: string[];
  handWritten(): number[];
  tfjs(tf: Tf): number[];
  note?: string;
}

const SOFTMAX_ROW = ['0.09003057', '0.24472848', '0.66524094'];
const LOGITS_3X3 = [1, 2, 3, 1, 2, 3, 1, 2, 3];
const LABELS_3X3 = [2, 2, 2];
const ONE_HOT_3X3 = [0, 0, 1, 0, 0, 1, 0, 0, 1];
const SMALL_LOGITS = [2.0, 1.0, 0.1];

function softmaxOf(logits: Float32Array | Float64Array, rows: number, classes: number): number[] {
  const probabilities = new (logits.constructor as Float32ArrayConstructor)(rows * classes);
  softmaxForward(probabilities, logits, rows, classes);
  return Array.from(probabilities);
}

/**
 * The softmax of [2.0, 1.0, 0.1] shifted by ±1000, where exp overflows (or underflows) and a
 * naive softmax gives NaN. Near 1000 float32 holds logits only to 6e-5 (1000.1 is stored as
 * 1000.0999755859375), so the expected values are the float64 softmax of the logits as float32
 * stores them: they differ from softmax([2.0, 1.0, 0.1]) by about 2e-6.
 */
function shiftedSoftmax(shift: number): Example {
  const logits = SMALL_LOGITS.map((z) => z + shift);
  const naive = logits.map((z) => Math.exp(z) / logits.reduce((s, x) => s + Math.exp(x), 0));
  const stored = Float64Array.from(logits.map(Math.fround));
  return {
    name: `softmax([2.0, 1.0, 0.1] ${shift > 0 ? '+' : '−'} ${Math.abs(shift)})`,
    shape: [3],
    expected: softmaxOf(stored, 1, 3).map((p) => p.toPrecision(9)),
    handWritten: () => softmaxOf(Float32Array.from(logits), 1, 3),
    tfjs: (tf) => tf.tidy(() => Array.from(tf.softmax(tf.tensor1d(logits)).dataSync())),
    note:
      `a naive exp(z) / Σ exp(z) gives [${naive.join(', ')}]; ` +
      'expected: float64 softmax of the logits as float32 stores them',
  };
}

export const EXAMPLES: Example[] = [
  {
    name: 'softmax([1, 1, 2, 4, 6, 8])',
    shape: [6],
    expected: [
      '7.87494471e-04',
      '7.87494471e-04',
      '2.14063213e-03',
      '1.58172492e-02',
      '1.16874546e-01',
      '8.63592565e-01',
    ],
    handWritten: () => softmaxOf(Float32Array.from([1, 1, 2, 4, 6, 8]), 1, 6),
    tfjs: (tf) => tf.tidy(() => Array.from(tf.softmax(tf.tensor1d([1, 1, 2, 4, 6, 8])).dataSync())),
  },
  {
    name: 'argmax(softmax([1, 1, 2, 4, 6, 8]))',
    shape: [],
    expected: ['5'],
    handWritten: () => [argmax(softmaxOf(Float32Array.from([1, 1, 2, 4, 6, 8]), 1, 6))],
    tfjs: (tf) =>
      tf.tidy(() => Array.from(tf.argMax(tf.softmax(tf.tensor1d([1, 1, 2, 4, 6, 8]))).dataSync())),
  },
  {
    name: 'softmax([[1, 2, 3]] × 3)',
    shape: [3, 3],
    expected: [...SOFTMAX_ROW, ...SOFTMAX_ROW, ...SOFTMAX_ROW],
    handWritten: () => softmaxOf(Float32Array.from(LOGITS_3X3), 3, 3),
    tfjs: (tf) => tf.tidy(() => Array.from(tf.softmax(tf.tensor2d(LOGITS_3X3, [3, 3])).dataSync())),
  },
  {
    name: '-reduce_sum(y_ * log(softmax(y))), labels [[0, 0, 1]] × 3',
    shape: [],
    expected: ['1.22282'],
    handWritten: () => {
      const probabilities = softmaxOf(Float32Array.from(LOGITS_3X3), 3, 3);
      let sum = 0;
      for (let n = 0; n < 3; n++) {
        sum += crossEntropyOfProbabilities(
          probabilities.slice(n * 3, n * 3 + 3),
          ONE_HOT_3X3.slice(n * 3, n * 3 + 3),
        );
      }
      return [Math.fround(sum)];
    },
    tfjs: (tf) =>
      tf.tidy(() => {
        const y = tf.softmax(tf.tensor2d(LOGITS_3X3, [3, 3]));
        const labels = tf.tensor2d(ONE_HOT_3X3, [3, 3]);
        return Array.from(tf.neg(tf.sum(tf.mul(labels, tf.log(y)))).dataSync());
      }),
  },
  {
    name: 'mean(softmax_cross_entropy_with_logits), labels [[0, 0, 1]] × 3',
    shape: [],
    expected: ['0.407606'],
    handWritten: () => {
      const losses = new Float32Array(3);
      crossEntropyForward(losses, Float32Array.from(LOGITS_3X3), LABELS_3X3, 3, 3);
      return [Math.fround((losses[0] + losses[1] + losses[2]) / 3)];
    },
    tfjs: (tf) =>
      tf.tidy(() => {
        const logits = tf.tensor2d(LOGITS_3X3, [3, 3]);
        const labels = tf.tensor2d(ONE_HOT_3X3, [3, 3]);
        const loss = tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.MEAN);
        return Array.from(loss.dataSync());
      }),
  },
  {
    name: 'softmax([2.0, 1.0, 0.1])',
    shape: [3],
    expected: ['0.659', '0.242', '0.099'],
    handWritten: () => softmaxOf(Float32Array.from(SMALL_LOGITS), 1, 3),
    tfjs: (tf) => tf.tidy(() => Array.from(tf.softmax(tf.tensor1d(SMALL_LOGITS)).dataSync())),
  },
  {
    name: 'cross-entropy of prediction (0.5, 0.4, 0.1) against [1, 0, 0]',
    shape: [],
    expected: ['0.6931'],
    handWritten: () => [Math.fround(crossEntropyOfProbabilities([0.5, 0.4, 0.1], [1, 0, 0]))],
    tfjs: (tf) =>
      tf.tidy(() => {
        const prediction = tf.tensor1d([0.5, 0.4, 0.1]);
        const target = tf.tensor1d([1, 0, 0]);
        return Array.from(tf.neg(tf.sum(tf.mul(target, tf.log(prediction)))).dataSync());
      }),
  },
  shiftedSoftmax(1000),
  shiftedSoftmax(-1000),
];

/**
 * How far a float32 result may be from a printed value: half a unit in the last digit printed,
 * or 8 float32 ulps (8 · 2⁻²⁴ relative), whichever is larger.
 */
export function tolerance(expected: string): number {
  const value = Number(expected);
  const mantissa = expected.toLowerCase().split('e')[0].replace(/^[-+]/, '');
  const fraction = mantissa.split('.')[1] ?? '';
  const exponent = Number(expected.toLowerCase().split('e')[1] ?? 0);
  if (!mantissa.includes('.') && Number.isInteger(value)) return 0; // an exact integer (argmax)
  const lastDigit = 10 ** (exponent - fraction.length);
  return Math.max(lastDigit / 2, 8 * 2 ** -24 * Math.abs(value));
}

export function runExamples(tf: Tf): ExampleResult[] {
  const results: ExampleResult[] = [];
  for (const example of EXAMPLES) {
    const handWritten = example.handWritten();
    const tfjs = example.tfjs(tf);
    let maxAbsDiff = 0;
    let ok = handWritten.length === example.expected.length && tfjs.length === handWritten.length;
    example.expected.forEach((text, i) => {
      const allowed = tolerance(text);
      const value = Number(text);
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(handWritten[i] - tfjs[i]));
      // `!(error <= allowed)` so that NaN fails
      if (!(Math.abs(handWritten[i] - value) <= allowed)) ok = false;
      if (!(Math.abs(tfjs[i] - value) <= allowed)) ok = false;
    });
    results.push({
      name: example.name,
      shape: example.shape,
      handWritten,
      tfjs,
      expected: example.expected,
      maxAbsDiff,
      ok,
      ...(example.note ? { note: example.note } : {}),
    });
  }
  return results;
}

/**
 * Values as NumPy (and so TensorFlow's tutorials) print them: `[7.87494471e-04 ...]` when the
 * magnitudes span more than 10³ or go below 10⁻⁴, else fixed with up to 8 decimals; rows of a
 * matrix on their own lines; a scalar as the shortest float32.
 */
export function formatLikeNumpy(values: number[], shape: number[]): string {
  if (shape.length === 0) {
    return Number.isInteger(values[0]) ? String(values[0]) : formatFloat32(Math.fround(values[0]));
  }
  const magnitudes = values.map(Math.abs).filter((v) => v > 0);
  const max = Math.max(...magnitudes);
  const min = Math.min(...magnitudes);
  const scientific = magnitudes.length > 0 && (min < 1e-4 || max >= 1e8 || max / min > 1e3);
  let cells: string[];
  if (scientific) {
    cells = values.map((v) => v.toExponential(8).replace(/e([+-])(\d)$/, 'e$10$2'));
  } else {
    const decimals = Math.max(
      1,
      ...values.map((v) => v.toFixed(8).replace(/0+$/, '').split('.')[1]?.length ?? 0),
    );
    cells = values.map((v) => v.toFixed(decimals));
  }
  const width = Math.max(...cells.map((c) => c.length));
  cells = cells.map((c) => c.padStart(width));
  if (shape.length === 1) return `[${cells.join(' ')}]`;
  const [rows, columns] = shape;
  const lines = Array.from(
    { length: rows },
    (_, r) => `[${cells.slice(r * columns, (r + 1) * columns).join(' ')}]`,
  );
  return `[${lines.join('\n ')}]`;
}

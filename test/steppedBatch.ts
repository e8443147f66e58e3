// A step laid open (step.json, src/run/stepFile.ts) held against what it claims, independently of
// the project's kernels: its gradient recomputed in float64 from the weights before and the
// batch's images as the loader gives them, its update against after − before and against
// SGD's −lr · gradient. For softmax regression with cross-entropy.

import type { Split } from '../src/data/dataset.js';
import { MNIST_INPUT } from '../src/model/network.js';
import type { SteppedBatch, SteppedParameter } from '../src/train/records.js';

/** 2⁻²³: a float32's relative spacing. */
const FLOAT32_EPSILON = 2 ** -23;

export interface StepFigures {
  /** The batch's labels as recorded equal the training set's at its indices. */
  labelsMatch: boolean;
  /** Entries where the update is not after − before in float32, exactly. */
  updateMismatches: number;
  /** max |g − g64| / max |g64|, over the weights and over the bias. */
  gradientError: number;
  /** max over entries of |Δθ + lr g| / (ε₃₂ (|θ before| + |θ after|)): below 1 is float32's rounding. */
  sgdError: number;
}

/** ∂(mean cross-entropy)/∂(W, b) of the batch, in float64, from the weights before the step. */
export function float64Gradient(record: SteppedBatch, train: Split) {
  const weights = parameter(record, 'weights');
  const bias = parameter(record, 'bias');
  const [inputs, classes] = weights.shape;
  const W = weights.before!;
  const b = bias.before!;
  const dW = new Float64Array(inputs * classes);
  const db = new Float64Array(classes);
  const x = new Float64Array(inputs);
  const z = new Float64Array(classes);
  for (const n of record.indices) {
    for (let i = 0; i < inputs; i++) {
      x[i] = train.images[n * inputs + i] * MNIST_INPUT.scale + MNIST_INPUT.offset;
    }
    for (let k = 0; k < classes; k++) {
      let sum = b[k];
      for (let i = 0; i < inputs; i++) sum += x[i] * W[i * classes + k];
      z[k] = sum;
    }
    const top = Math.max(...z);
    const exps = Array.from(z, (v) => Math.exp(v - top));
    const total = exps.reduce((s, v) => s + v, 0);
    for (let k = 0; k < classes; k++) {
      const dz = (exps[k] / total - (train.labels[n] === k ? 1 : 0)) / record.size;
      db[k] += dz;
      for (let i = 0; i < inputs; i++) dW[i * classes + k] += x[i] * dz;
    }
  }
  return { dW, db };
}

function parameter(record: SteppedBatch, name: string): SteppedParameter {
  const found = record.parameters.find((p) => p.name === name);
  if (!found?.before) throw new Error(`step.json has no whole ${name}`);
  return found;
}

/** max |a − b| / max |b| */
function relativeError(a: number[], b: Float64Array): number {
  let difference = 0;
  let largest = 0;
  for (let i = 0; i < b.length; i++) {
    difference = Math.max(difference, Math.abs(a[i] - b[i]));
    largest = Math.max(largest, Math.abs(b[i]));
  }
  return difference / largest;
}

export function stepFigures(record: SteppedBatch, train: Split): StepFigures {
  const { dW, db } = float64Gradient(record, train);
  const weights = parameter(record, 'weights');
  const bias = parameter(record, 'bias');
  let updateMismatches = 0;
  let sgdError = 0;
  for (const p of [weights, bias]) {
    p.update!.forEach((update, i) => {
      const before = p.before![i];
      const after = p.after![i];
      if (update !== Math.fround(after - before)) updateMismatches++;
      const rounding = FLOAT32_EPSILON * (Math.abs(before) + Math.abs(after)) || Number.MIN_VALUE;
      const sgd = Math.abs(update + record.learningRate * p.gradient![i]);
      sgdError = Math.max(sgdError, sgd / rounding);
    });
  }
  return {
    labelsMatch: record.indices.every((n, k) => train.labels[n] === record.labels[k]),
    updateMismatches,
    gradientError: Math.max(
      relativeError(weights.gradient!, dW),
      relativeError(bias.gradient!, db),
    ),
    sgdError,
  };
}

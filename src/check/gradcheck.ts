// Gradient checks: every hand-written backward pass against float64 central finite differences
// of the hand-written forward, and against TensorFlow.js autodiff of tfjs's own forward.
// Like llm.c's test_gpt2, but a single FAIL fails the whole run.

import * as activations from '../model/activations.js';
import * as batchnorm from '../model/batchnorm.js';
import * as dense from '../model/dense.js';
import * as softmax from '../model/softmax.js';
import { BATCHNORM_EPSILON, BATCHNORM_MOMENTUM } from '../model/layers.js';
import type { FloatArrayConstructor, Floats } from '../model/tensor.js';
import { Random } from '../random.js';
import { compare, numericalGradient } from './finiteDifferences.js';
import type { Tf } from './tfjs.js';

/** The kernels under test; a test swaps one for a broken version to prove a check can fail. */
export interface Kernels {
  denseForward: typeof dense.denseForward;
  denseBackward: typeof dense.denseBackward;
  softmaxForward: typeof softmax.softmaxForward;
  softmaxBackward: typeof softmax.softmaxBackward;
  crossEntropyForward: typeof softmax.crossEntropyForward;
  softmaxCrossEntropyBackward: typeof softmax.softmaxCrossEntropyBackward;
  squaredErrorForward: typeof softmax.squaredErrorForward;
  squaredErrorBackward: typeof softmax.squaredErrorBackward;
  batchnormForwardTraining: typeof batchnorm.batchnormForwardTraining;
  batchnormBackward: typeof batchnorm.batchnormBackward;
  reluForward: typeof activations.reluForward;
  reluBackward: typeof activations.reluBackward;
  sigmoidForward: typeof activations.sigmoidForward;
  sigmoidBackward: typeof activations.sigmoidBackward;
  tanhForward: typeof activations.tanhForward;
  tanhBackward: typeof activations.tanhBackward;
}

export const KERNELS: Kernels = { ...dense, ...softmax, ...batchnorm, ...activations };

export const FINITE_DIFFERENCES = 'finite differences (float64)';
export const TFJS_AUTODIFF = 'tfjs autodiff (float32)';

/** Relative-error tolerances and the floors below which values count as zero-sized. */
export const TOLERANCE = {
  [FINITE_DIFFERENCES]: { relative: 1e-6, floor: 1e-4 },
  [TFJS_AUTODIFF]: { relative: 1e-4, floor: 1e-3 },
};

export interface CheckResult {
  name: string;
  reference: string;
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}

type Tensors = Record<string, Floats>;
type TfTensor = ReturnType<Tf['tensor']>;

/**
 * One differentiable computation L(inputs) → scalar, written three ways: the hand-written
 * forward, the hand-written backward, and the same function in tfjs.
 */
interface GradientCase {
  name: string;
  /** The inputs and their shapes; `differentiate` names those whose gradient is checked. */
  inputs(random: Random): { values: Record<string, number[]>; shapes: Record<string, number[]> };
  differentiate: string[];
  loss(k: Kernels, t: Tensors, Float: FloatArrayConstructor): number;
  gradients(k: Kernels, t: Tensors, Float: FloatArrayConstructor): Tensors;
  tfjsLoss(tf: Tf, t: Record<string, TfTensor>): TfTensor;
}

const BATCH = 4;
const INPUTS = 9;
const CLASSES = 6;

function uniform(random: Random, length: number, low: number, high: number): number[] {
  return Array.from({ length }, () => random.uniform(low, high));
}

/** Σ upstream ⊙ values: turns any tensor into a scalar whose gradient is `upstream`. */
function weightedSum(values: Floats, upstream: Floats): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * upstream[i];
  return sum;
}

const denseCase: GradientCase = {
  name: 'dense',
  inputs: (random) => {
    const x = uniform(random, BATCH * INPUTS, -1, 1).map((v, i) => (i % 4 === 0 ? 0 : v));
    return {
      values: {
        x,
        W: uniform(random, INPUTS * CLASSES, -1, 1),
        b: uniform(random, CLASSES, -1, 1),
        upstream: uniform(random, BATCH * CLASSES, -1, 1),
      },
      shapes: {
        x: [BATCH, INPUTS],
        W: [INPUTS, CLASSES],
        b: [CLASSES],
        upstream: [BATCH, CLASSES],
      },
    };
  },
  differentiate: ['x', 'W', 'b'],
  loss: (k, t, Float) => {
    const out = new Float(BATCH * CLASSES);
    k.denseForward(out, t.x, t.W, t.b, BATCH, INPUTS, CLASSES);
    return weightedSum(out, t.upstream);
  },
  gradients: (k, t, Float) => {
    const x = new Float(t.x.length);
    const W = new Float(t.W.length);
    const b = new Float(t.b.length);
    k.denseBackward(x, W, b, t.upstream, t.x, t.W, BATCH, INPUTS, CLASSES);
    return { x, W, b };
  },
  tfjsLoss: (tf, t) => tf.sum(tf.mul(tf.add(tf.matMul(t.x, t.W), t.b), t.upstream)),
};

/** A fixed set of labels for the loss checks, and their one-hot rows (batch, classes). */
const LABELS = Array.from({ length: BATCH }, (_, n) => (n * 7) % CLASSES);
const ONE_HOT = LABELS.flatMap((label) =>
  Array.from({ length: CLASSES }, (_, j) => +(j === label)),
);

function crossEntropyCase(shift: number): GradientCase {
  return {
    name:
      'softmax cross-entropy (fused)' +
      (shift ? `, logits near ${shift > 0 ? '+' : '−'}${Math.abs(shift)}` : ''),
    inputs: (random) => ({
      values: {
        logits: uniform(random, BATCH * CLASSES, -3, 3).map((z) => z + shift),
        oneHot: ONE_HOT,
      },
      shapes: { logits: [BATCH, CLASSES], oneHot: [BATCH, CLASSES] },
    }),
    differentiate: ['logits'],
    loss: (k, t, Float) => {
      const losses = new Float(BATCH);
      k.crossEntropyForward(losses, t.logits, LABELS, BATCH, CLASSES);
      let sum = 0;
      for (const loss of losses) sum += loss;
      return sum / BATCH;
    },
    gradients: (k, t, Float) => {
      const probabilities = new Float(BATCH * CLASSES);
      const logits = new Float(BATCH * CLASSES);
      k.softmaxForward(probabilities, t.logits, BATCH, CLASSES);
      k.softmaxCrossEntropyBackward(logits, probabilities, LABELS, BATCH, CLASSES, 1 / BATCH);
      return { logits };
    },
    tfjsLoss: (tf, t) =>
      tf.losses.softmaxCrossEntropy(t.oneHot, t.logits, undefined, 0, tf.Reduction.MEAN),
  };
}

const softmaxCase: GradientCase = {
  name: 'softmax backward (da − dot(da, a)) ⊙ a',
  inputs: (random) => ({
    values: {
      logits: uniform(random, BATCH * CLASSES, -3, 3),
      upstream: uniform(random, BATCH * CLASSES, -1, 1),
    },
    shapes: { logits: [BATCH, CLASSES], upstream: [BATCH, CLASSES] },
  }),
  differentiate: ['logits'],
  loss: (k, t, Float) => {
    const probabilities = new Float(BATCH * CLASSES);
    k.softmaxForward(probabilities, t.logits, BATCH, CLASSES);
    return weightedSum(probabilities, t.upstream);
  },
  gradients: (k, t, Float) => {
    const probabilities = new Float(BATCH * CLASSES);
    const logits = new Float(BATCH * CLASSES);
    k.softmaxForward(probabilities, t.logits, BATCH, CLASSES);
    k.softmaxBackward(logits, t.upstream, probabilities, BATCH, CLASSES);
    return { logits };
  },
  tfjsLoss: (tf, t) => tf.sum(tf.mul(tf.softmax(t.logits), t.upstream)),
};

const squaredErrorCase: GradientCase = {
  name: 'squared error of softmax (through the softmax backward)',
  inputs: (random) => ({
    values: {
      logits: uniform(random, BATCH * CLASSES, -3, 3),
      oneHot: ONE_HOT,
    },
    shapes: { logits: [BATCH, CLASSES], oneHot: [BATCH, CLASSES] },
  }),
  differentiate: ['logits'],
  loss: (k, t, Float) => {
    const probabilities = new Float(BATCH * CLASSES);
    const losses = new Float(BATCH);
    k.softmaxForward(probabilities, t.logits, BATCH, CLASSES);
    k.squaredErrorForward(losses, probabilities, LABELS, BATCH, CLASSES);
    let sum = 0;
    for (const loss of losses) sum += loss;
    return sum / BATCH;
  },
  gradients: (k, t, Float) => {
    const probabilities = new Float(BATCH * CLASSES);
    const dprobabilities = new Float(BATCH * CLASSES);
    const logits = new Float(BATCH * CLASSES);
    k.softmaxForward(probabilities, t.logits, BATCH, CLASSES);
    k.squaredErrorBackward(dprobabilities, probabilities, LABELS, BATCH, CLASSES, 1 / BATCH);
    k.softmaxBackward(logits, dprobabilities, probabilities, BATCH, CLASSES);
    return { logits };
  },
  tfjsLoss: (tf, t) =>
    tf.losses.meanSquaredError(t.oneHot, tf.softmax(t.logits), undefined, tf.Reduction.MEAN),
};

const FEATURES = 5;
const BN_BATCH = 8;
const EPSILON = BATCHNORM_EPSILON;

/** The BatchNorm forward in training mode on the case's inputs, with what backward needs. */
function batchnormTraining(k: Kernels, t: Tensors, Float: FloatArrayConstructor) {
  const out = new Float(BN_BATCH * FEATURES);
  const normalized = new Float(BN_BATCH * FEATURES);
  const inverseStd = new Float(FEATURES);
  const moving = () => new Float(FEATURES); // moving statistics: not checked here
  k.batchnormForwardTraining(
    out,
    normalized,
    inverseStd,
    t.x,
    t.gamma,
    t.beta,
    moving(),
    moving(),
    BN_BATCH,
    FEATURES,
    EPSILON,
    BATCHNORM_MOMENTUM,
  );
  return { out, normalized, inverseStd };
}

const batchnormCase: GradientCase = {
  name: 'batchnorm (training mode)',
  inputs: (random) => ({
    values: {
      x: uniform(random, BN_BATCH * FEATURES, -2, 2),
      gamma: uniform(random, FEATURES, 0.5, 1.5),
      beta: uniform(random, FEATURES, -0.5, 0.5),
      upstream: uniform(random, BN_BATCH * FEATURES, -1, 1),
    },
    shapes: {
      x: [BN_BATCH, FEATURES],
      gamma: [FEATURES],
      beta: [FEATURES],
      upstream: [BN_BATCH, FEATURES],
    },
  }),
  differentiate: ['x', 'gamma', 'beta'],
  loss: (k, t, Float) => weightedSum(batchnormTraining(k, t, Float).out, t.upstream),
  gradients: (k, t, Float) => {
    const { normalized, inverseStd } = batchnormTraining(k, t, Float);
    const x = new Float(BN_BATCH * FEATURES);
    const gamma = new Float(FEATURES);
    const beta = new Float(FEATURES);
    k.batchnormBackward(
      x,
      gamma,
      beta,
      t.upstream,
      normalized,
      inverseStd,
      t.gamma,
      BN_BATCH,
      FEATURES,
    );
    return { x, gamma, beta };
  },
  tfjsLoss: (tf, t) => {
    const { mean, variance } = tf.moments(t.x, 0);
    return tf.sum(tf.mul(tf.batchNorm(t.x, mean, variance, t.beta, t.gamma, EPSILON), t.upstream));
  },
};

function activationCase(name: 'relu' | 'sigmoid' | 'tanh'): GradientCase {
  const length = BATCH * INPUTS;
  return {
    name,
    inputs: (random) => ({
      values: {
        // away from relu's kink at 0, where a finite difference straddles two slopes
        x: uniform(random, length, 0.05, 3).map((v, i) => (i % 2 ? -v : v)),
        upstream: uniform(random, length, -1, 1),
      },
      shapes: { x: [BATCH, INPUTS], upstream: [BATCH, INPUTS] },
    }),
    differentiate: ['x'],
    loss: (k, t, Float) => {
      const out = new Float(length);
      k[`${name}Forward`](out, t.x, length);
      return weightedSum(out, t.upstream);
    },
    gradients: (k, t, Float) => {
      const out = new Float(length);
      const x = new Float(length);
      k[`${name}Forward`](out, t.x, length);
      k[`${name}Backward`](x, t.upstream, out, length);
      return { x };
    },
    tfjsLoss: (tf, t) => tf.sum(tf.mul(tf[name](t.x), t.upstream)),
  };
}

export const CASES: GradientCase[] = [
  denseCase,
  crossEntropyCase(0),
  crossEntropyCase(1000),
  crossEntropyCase(-1000),
  softmaxCase,
  squaredErrorCase,
  batchnormCase,
  activationCase('relu'),
  activationCase('sigmoid'),
  activationCase('tanh'),
];

function result(name: string, reference: keyof typeof TOLERANCE, a: Floats, b: ArrayLike<number>) {
  const { relative, floor } = TOLERANCE[reference];
  const { maxAbsError, maxRelError } = compare(a, b, floor);
  return { name, reference, maxAbsError, maxRelError, ok: maxRelError <= relative };
}

function checkCase(
  check: GradientCase,
  random: Random,
  kernels: Kernels,
  tf: Tf | null,
): CheckResult[] {
  const { values, shapes } = check.inputs(random);
  const results: CheckResult[] = [];

  // float64: hand-written backward against central differences of the hand-written forward
  const t64: Tensors = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, Float64Array.from(v)]),
  );
  const analytic64 = check.gradients(kernels, t64, Float64Array);
  for (const name of check.differentiate) {
    const numeric = numericalGradient(
      () => check.loss(kernels, t64, Float64Array),
      t64[name] as Float64Array,
      1e-5,
    );
    results.push(result(`${check.name}: d${name}`, FINITE_DIFFERENCES, analytic64[name], numeric));
  }

  // float32: hand-written backward against tfjs autodiff of tfjs's forward
  if (tf) {
    const t32: Tensors = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Float32Array.from(v)]),
    );
    const analytic32 = check.gradients(kernels, t32, Float32Array);
    const reference = tf.tidy(() => {
      const tensors = Object.fromEntries(
        Object.entries(t32).map(([k, v]) => [k, tf.tensor(v as Float32Array, shapes[k])]),
      );
      const differentiated = check.differentiate.map((name) => tensors[name]);
      const gradients = tf.grads((...xs: TfTensor[]) => {
        const bound = { ...tensors };
        check.differentiate.forEach((name, i) => (bound[name] = xs[i]));
        return check.tfjsLoss(tf, bound);
      })(differentiated);
      return gradients.map((g) => g.dataSync());
    });
    check.differentiate.forEach((name, i) => {
      results.push(
        result(`${check.name}: d${name}`, TFJS_AUTODIFF, analytic32[name], reference[i]),
      );
    });
  }
  return results;
}

export interface GradcheckOptions {
  seed: number;
  /** null: finite differences only (no tfjs). */
  tf: Tf | null;
  kernels?: Kernels;
}

export function runGradcheck(options: GradcheckOptions): CheckResult[] {
  const random = new Random(options.seed);
  const kernels = options.kernels ?? KERNELS;
  return CASES.flatMap((check) => checkCase(check, random, kernels, options.tf));
}

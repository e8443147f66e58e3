// Full-batch L-BFGS for softmax regression: the classic solver of this convex problem (the one
// scikit-learn's LogisticRegression uses), on the hand-written forward and backward passes.
//
//   f(θ) = mean over the training set of −ln p_label  +  (λ/2) ‖W‖²      (λ: --weight-decay)
//   ∇f   = mean of the batches' gradients (each the fused (p − y)/batch, back through the dense
//          layer)  +  λ W
//
// Each iteration:
//   direction  d = −H g, H from the last MEMORY pairs (s = θ' − θ, y = g' − g) by the two-loop
//              recursion (Nocedal & Wright, Algorithm 7.4), scaled by γ = s·y / y·y;
//   step       t = 1 (on the first iteration 1/‖g‖), halved until Armijo's condition holds:
//              f(θ + t d) ≤ f(θ) + 10⁻⁴ t g·d  (at most 30 halvings; then it stops);
//   stop       when ‖g‖∞ ≤ 10⁻⁵ or f falls by less than 10⁻¹⁰ · max(1, |f|), or after the
//              iterations asked for.
// θ and the memory are float64; the network computes in float32 from θ rounded.
//
// One iteration is what an epoch is to the other optimisers: it reports an epoch's metrics and
// a line of the event log (its loss, gradient norm and step), so the curves work for it too.

import type { Dataset } from '../data/dataset.js';
import { DivergenceError, InterruptedError } from '../errors.js';
import { Dense, type Parameter } from '../model/layers.js';
import type { Network } from '../model/network.js';
import { argmax } from '../model/tensor.js';
import { createBatchSource } from './batches.js';
import { evaluate } from './evaluate.js';
import { LossBuffers, lossAndGradient } from './losses.js';
import type { EpochMetrics } from './records.js';
import type { TrainHooks } from './trainer.js';

/** Pairs (s, y) kept for the curvature (scikit-learn's and SciPy's default: 10). */
const MEMORY = 10;
/** Images per forward and backward pass while summing the full gradient. */
const BATCH = 1000;
const ARMIJO = 1e-4;
const MAX_HALVINGS = 30;
const GRADIENT_TOLERANCE = 1e-5;
const LOSS_TOLERANCE = 1e-10;

export interface LbfgsConfig {
  iterations: number;
  weightDecay: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** The parameters as one float64 vector, and back. */
class Flat {
  readonly length: number;

  constructor(private readonly parameters: Parameter[]) {
    this.length = parameters.reduce((sum, p) => sum + p.value.length, 0);
  }

  read(pick: (parameter: Parameter) => Float32Array, into = new Float64Array(this.length)) {
    let offset = 0;
    for (const parameter of this.parameters) {
      const values = pick(parameter);
      for (let i = 0; i < values.length; i++) into[offset + i] = values[i];
      offset += values.length;
    }
    return into;
  }

  write(theta: Float64Array): void {
    let offset = 0;
    for (const { value } of this.parameters) {
      for (let i = 0; i < value.length; i++) value[i] = theta[offset + i];
      offset += value.length;
    }
  }

  /** 1 where weight decay applies (the weights), 0 elsewhere (the bias). */
  decays(): Float64Array {
    const mask = new Float64Array(this.length);
    let offset = 0;
    for (const parameter of this.parameters) {
      if (parameter.decays) mask.fill(1, offset, offset + parameter.value.length);
      offset += parameter.value.length;
    }
    return mask;
  }
}

/**
 * Trains softmax regression by full-batch L-BFGS; one iteration per epoch of `hooks`. Throws
 * InterruptedError when hooks.shouldStop says so (after an iteration), DivergenceError when the
 * objective is not finite.
 */
export async function trainLbfgs(
  network: Network,
  data: Dataset,
  config: LbfgsConfig,
  hooks: TrainHooks = {},
): Promise<EpochMetrics[]> {
  const layers = network.layers.filter((layer) => layer instanceof Dense);
  if (layers.length !== 1 || network.layers.length !== 1) {
    throw new Error('L-BFGS trains softmax regression only');
  }
  const { train: split } = data;
  const classes = network.classes.length;
  const parameters = network.parameters().map((p) => p.parameter);
  const flat = new Flat(parameters);
  const decays = flat.decays();
  const lambda = config.weightDecay;
  const source = createBatchSource(network.engine, network.input, split, BATCH);
  source.startEpoch(null);
  const buffers = new LossBuffers(BATCH, classes, network.engine);
  const part = new Float64Array(flat.length); // one batch's gradient

  /** f(θ) and ∇f(θ) into `gradient`, with the training accuracy, for θ written into the network. */
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    flat.write(theta);
    gradient.fill(0);
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < split.count; start += BATCH) {
      const size = Math.min(BATCH, split.count - start);
      const batch = source.batch(start, size);
      const logits = network.forward(batch.input, size, true);
      const dlogits = lossAndGradient(
        'cross-entropy',
        buffers,
        logits,
        batch.labels,
        size,
        classes,
      );
      for (let n = 0; n < size; n++) {
        loss += buffers.losses[n];
        if (argmax(logits, n * classes, classes) === batch.labels[n]) correct++;
      }
      network.backward(dlogits, size); // the gradient of this batch's mean
      flat.read((p) => p.gradient, part);
      const weight = size / split.count;
      for (let i = 0; i < gradient.length; i++) gradient[i] += weight * part[i];
    }
    let penalty = 0;
    for (let i = 0; i < theta.length; i++) {
      if (decays[i] === 0) continue;
      penalty += theta[i] * theta[i];
      gradient[i] += lambda * theta[i];
    }
    return { f: loss / split.count + (lambda / 2) * penalty, accuracy: correct / split.count };
  };

  let theta = flat.read((p) => p.value);
  let gradient = new Float64Array(flat.length);
  let { f, accuracy } = objective(theta, gradient);
  const memory: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  const history: EpochMetrics[] = [];

  for (let iteration = 1; iteration <= config.iterations; iteration++) {
    const started = performance.now();
    // d = −H g by the two-loop recursion
    const direction = gradient.map((g) => -g);
    const alphas: number[] = [];
    for (let k = memory.length - 1; k >= 0; k--) {
      const { s, y, rho } = memory[k];
      const alpha = rho * dot(s, direction);
      alphas[k] = alpha;
      for (let i = 0; i < direction.length; i++) direction[i] -= alpha * y[i];
    }
    if (memory.length > 0) {
      const { s, y } = memory[memory.length - 1];
      const gamma = dot(s, y) / dot(y, y);
      for (let i = 0; i < direction.length; i++) direction[i] *= gamma;
    }
    for (let k = 0; k < memory.length; k++) {
      const { s, y, rho } = memory[k];
      const beta = rho * dot(y, direction);
      for (let i = 0; i < direction.length; i++) direction[i] += (alphas[k] - beta) * s[i];
    }
    const slope = dot(gradient, direction);
    // a backtracking line search on Armijo's condition
    let step = memory.length === 0 ? 1 / Math.sqrt(dot(gradient, gradient)) : 1;
    const next = new Float64Array(flat.length);
    const nextGradient = new Float64Array(flat.length);
    let trial = { f: Infinity, accuracy: 0 };
    let halvings = 0;
    for (; halvings <= MAX_HALVINGS; halvings++) {
      for (let i = 0; i < next.length; i++) next[i] = theta[i] + step * direction[i];
      trial = objective(next, nextGradient);
      if (trial.f <= f + ARMIJO * step * slope) break;
      step /= 2;
    }
    if (!Number.isFinite(trial.f)) {
      throw new DivergenceError(
        `L-BFGS diverged in iteration ${iteration}: the loss is ${trial.f}`,
      );
    }
    const searchFailed = halvings > MAX_HALVINGS;
    if (searchFailed)
      flat.write(theta); // no step was taken
    else {
      const s = next.map((v, i) => v - theta[i]);
      const y = nextGradient.map((v, i) => v - gradient[i]);
      const sy = dot(s, y);
      if (sy > 1e-10) {
        memory.push({ s, y, rho: 1 / sy });
        if (memory.length > MEMORY) memory.shift();
      }
    }
    const previous = f;
    if (!searchFailed) {
      theta = next;
      gradient = nextGradient;
      ({ f, accuracy } = trial);
    }
    const seconds = (performance.now() - started) / 1000;
    const gradientNorm = Math.sqrt(dot(gradient, gradient));
    const test = evaluate(network, data.test);
    const validation = data.validation ? evaluate(network, data.validation) : null;
    hooks.onLog?.({
      step: iteration,
      epoch: iteration,
      epochFraction: 1,
      loss: f,
      accuracy,
      learningRate: searchFailed ? 0 : step,
      gradientNorms: [gradientNorm],
      weightNorms: [Math.sqrt(network.engine.sumOfSquares(layers[0].weights))],
      saturation: [],
    });
    const metrics: EpochMetrics = {
      epoch: iteration,
      trainLoss: f,
      trainAccuracy: accuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds,
      samplesPerSecond: (split.count * (halvings + 1)) / seconds,
      steps: iteration,
      learningRate: searchFailed ? 0 : step,
      gradientNorms: [gradientNorm],
      ...(validation
        ? { validationLoss: validation.loss, validationAccuracy: validation.accuracy }
        : {}),
    };
    history.push(metrics);
    const converged =
      searchFailed ||
      gradient.every((g) => Math.abs(g) <= GRADIENT_TOLERANCE) ||
      previous - f < LOSS_TOLERANCE * Math.max(1, Math.abs(f));
    const stop = await hooks.afterEpoch?.(metrics, {
      epoch: iteration,
      step: iteration,
      randomState: 0,
      order: new Uint32Array(0),
      optimizer: { t: iteration, arrays: [] },
    });
    if (stop === true || converged) break;
    await new Promise((resolve) => setImmediate(resolve)); // let a Ctrl-C be heard
    if (hooks.shouldStop?.()) {
      throw new InterruptedError(`interrupted after L-BFGS iteration ${iteration}`);
    }
  }
  return history;
}

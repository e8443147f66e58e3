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
// θ is (W, b′): the weights and the bias of centred inputs (see Centred), the same model and
// minimum in better-conditioned coordinates. θ and the memory are float64; the network computes
// in float32 from W and b rounded.
//
// One iteration is what an epoch is to the other optimisers: it reports an epoch's metrics and
// a line of the event log (its loss, gradient norm and step), so the curves work for it too.

import type { Dataset, Split } from '../data/dataset.js';
import { DivergenceError, InterruptedError } from '../errors.js';
import { Dense } from '../model/layers.js';
import type { InputSpec, Network } from '../model/network.js';
import { epochMetrics } from './epochs.js';
import { LossBuffers, lossAndGradient } from './losses.js';
import type { EpochMetrics } from './records.js';
import type { TrainHooks } from './trainer.js';

/** Pairs (s, y) kept for the curvature (scikit-learn's and SciPy's default: 10). */
const MEMORY = 10;
/** Images per forward and backward pass while summing the full gradient: large, so that the
 * engine's threads share each pass. */
const BATCH = 16384;
const ARMIJO = 1e-4;
const MAX_HALVINGS = 30;
const GRADIENT_TOLERANCE = 1e-5;
const LOSS_TOLERANCE = 1e-10;
/**
 * Iterations take tens of milliseconds: the run folder saves the model and checkpoint at most
 * this often, and after the last (every iteration's metrics and event line are written).
 */
const SAVE_SECONDS = 1;

export interface LbfgsConfig {
  iterations: number;
  weightDecay: number;
}

// The loops over θ and over a batch's samples are small functions of their own: V8 optimises
// each whole, where the same loops inline in a larger function were entered by on-stack
// replacement and left by deoptimisation at every call (130 times in a run).

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** y += a · x */
function addScaled(y: Float64Array, a: number, x: Float32Array | Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

interface Memory {
  s: Float64Array;
  y: Float64Array;
  rho: number;
}

/** d = −H g, H from the pairs (s, y) in `memory` by the two-loop recursion. */
function searchDirection(gradient: Float64Array, memory: Memory[]): Float64Array {
  const direction = gradient.map((g) => -g);
  const alphas: number[] = [];
  for (let k = memory.length - 1; k >= 0; k--) {
    const { s, y, rho } = memory[k];
    alphas[k] = rho * dot(s, direction);
    addScaled(direction, -alphas[k], y);
  }
  if (memory.length > 0) {
    const { s, y } = memory[memory.length - 1];
    const gamma = dot(s, y) / dot(y, y);
    for (let i = 0; i < direction.length; i++) direction[i] *= gamma;
  }
  for (let k = 0; k < memory.length; k++) {
    const { s, y, rho } = memory[k];
    const beta = rho * dot(y, direction);
    addScaled(direction, alphas[k] - beta, s);
  }
  return direction;
}

/** Adds a batch's losses (one by one, in sample order) and correct predictions to `totals`. */
function addBatch(
  totals: { loss: number; correct: number },
  losses: Float64Array,
  predicted: Uint8Array,
  labels: Uint8Array,
  size: number,
): void {
  let { loss, correct } = totals;
  for (let n = 0; n < size; n++) {
    loss += losses[n];
    if (predicted[n] === labels[n]) correct++;
  }
  totals.loss = loss;
  totals.correct = correct;
}

/**
 * The coordinates L-BFGS moves in: the weights of centred inputs. With μᵢ the mean of input i
 * over the training set,
 *
 *   z = x W + b = (x − μ) W + b′,   b′ = b + μ W
 *
 * is the same model and f the same objective (its decay is on W, not b), so the same minimum;
 * but pixels are all positive, and uncentred they move every output's mean with its weights,
 * which couples the weights with the bias: the curvature L-BFGS has to learn is far worse
 * conditioned. Centred, it reaches a given loss in about half the iterations (MNIST: 0.2400 in
 * 50, against about 110). θ = (W, b′), row-major; by the chain rule ∂f/∂W in θ is ∂f/∂W − μᵀ ∂f/∂b.
 */
class Centred {
  readonly length: number;
  /** b of the θ last written, in float64. */
  private readonly bias: Float64Array;
  private readonly mean: Float64Array;

  constructor(
    private readonly layer: Dense,
    split: Split,
    input: InputSpec,
  ) {
    const { inputs, outputs } = layer;
    this.length = inputs * outputs + outputs;
    this.bias = new Float64Array(outputs);
    const sums = new Float64Array(inputs);
    const { images, count } = split;
    for (let n = 0; n < count; n++) {
      const base = n * inputs;
      for (let i = 0; i < inputs; i++) sums[i] += images[base + i];
    }
    this.mean = sums.map((sum) => (sum / count) * input.scale + input.offset);
  }

  /** θ of the layer's present weights and bias. */
  read(): Float64Array {
    const { inputs, outputs, weights } = this.layer;
    const theta = Float64Array.from({ length: this.length }, (_, k) =>
      k < weights.length ? weights[k] : this.layer.bias[k - weights.length],
    );
    const bias = theta.subarray(inputs * outputs);
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < outputs; j++) bias[j] += this.mean[i] * weights[i * outputs + j];
    }
    return theta;
  }

  /** θ into the layer (rounded to float32); returns W, a view of θ. */
  write(theta: Float64Array): Float64Array {
    const { inputs, outputs } = this.layer;
    const weights = theta.subarray(0, inputs * outputs);
    const { bias } = this;
    bias.set(theta.subarray(inputs * outputs));
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < outputs; j++) bias[j] -= this.mean[i] * weights[i * outputs + j];
    }
    this.layer.weights.set(weights);
    this.layer.bias.set(bias);
    return weights;
  }

  /** ∂f/∂θ into `into`, from ∂f/∂W and ∂f/∂b. */
  gradient(dW: Float64Array, db: Float64Array, into: Float64Array): void {
    const { inputs, outputs } = this.layer;
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < outputs; j++) {
        into[i * outputs + j] = dW[i * outputs + j] - this.mean[i] * db[j];
      }
    }
    into.set(db, inputs * outputs);
  }
}

/**
 * Trains softmax regression by full-batch L-BFGS; one iteration per epoch of `hooks`. Throws
 * InterruptedError when hooks.shouldStop says so (after an iteration, once it is saved; after the
 * last the run just ends), DivergenceError when the objective is not finite.
 */
export async function trainLbfgs(
  network: Network,
  data: Dataset,
  config: LbfgsConfig,
  hooks: TrainHooks = {},
): Promise<EpochMetrics[]> {
  const [layer] = network.layers;
  if (network.layers.length !== 1 || !(layer instanceof Dense)) {
    throw new Error('L-BFGS trains softmax regression only');
  }
  const { train: split } = data;
  const classes = network.classes.length;
  const coordinates = new Centred(layer, split, network.input);
  const lambda = config.weightDecay;
  const source = network.engine.batches(network.input, split, BATCH);
  source.startEpoch(null);
  const buffers = new LossBuffers(BATCH, classes, network.engine);
  const dW = new Float64Array(layer.weights.length);
  const db = new Float64Array(layer.bias.length);

  /** f(θ) and ∇f(θ) into `gradient`, with the training accuracy; θ is left in the network. */
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    const weights = coordinates.write(theta);
    dW.fill(0);
    db.fill(0);
    const totals = { loss: 0, correct: 0 };
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
      addBatch(totals, buffers.losses, buffers.predicted, batch.labels, size);
      network.backward(dlogits, size); // the gradient of this batch's mean
      const weight = size / split.count;
      addScaled(dW, weight, layer.weightsGradient);
      addScaled(db, weight, layer.biasGradient);
    }
    addScaled(dW, lambda, weights);
    coordinates.gradient(dW, db, gradient);
    return {
      f: totals.loss / split.count + (lambda / 2) * dot(weights, weights),
      accuracy: totals.correct / split.count,
    };
  };

  let theta = coordinates.read();
  let gradient = new Float64Array(coordinates.length);
  let { f, accuracy } = objective(theta, gradient);
  const memory: Memory[] = [];
  const history: EpochMetrics[] = [];
  let saved = performance.now();

  for (let iteration = 1; iteration <= config.iterations; iteration++) {
    const started = performance.now();
    const direction = searchDirection(gradient, memory);
    const slope = dot(gradient, direction);
    // a backtracking line search on Armijo's condition
    let step = memory.length === 0 ? 1 / Math.sqrt(dot(gradient, gradient)) : 1;
    const next = new Float64Array(coordinates.length);
    const nextGradient = new Float64Array(coordinates.length);
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
      coordinates.write(theta); // no step was taken
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
    const metrics = epochMetrics(network, data, {
      epoch: iteration,
      trainLoss: f,
      trainAccuracy: accuracy,
      seconds,
      samples: split.count * (halvings + 1),
      steps: iteration,
      learningRate: searchFailed ? 0 : step,
      gradientNorms: [gradientNorm],
    });
    hooks.onLog?.({
      step: iteration,
      epoch: iteration,
      epochFraction: 1,
      loss: f,
      accuracy,
      learningRate: searchFailed ? 0 : step,
      gradientNorms: [gradientNorm],
      weightNorms: [Math.sqrt(network.engine.sumOfSquares(layer.weights))],
      saturation: [],
    });
    history.push(metrics);
    const converged =
      searchFailed ||
      gradient.every((g) => Math.abs(g) <= GRADIENT_TOLERANCE) ||
      previous - f < LOSS_TOLERANCE * Math.max(1, Math.abs(f));
    await new Promise((resolve) => setImmediate(resolve)); // let a Ctrl-C be heard
    const finished = converged || iteration === config.iterations;
    const interrupted = hooks.shouldStop?.() ?? false;
    const save = finished || interrupted || (performance.now() - saved) / 1000 >= SAVE_SECONDS;
    if (save) saved = performance.now();
    // no state to continue from: the curvature memory is not saved (a resume is refused)
    const stop = await hooks.afterEpoch?.(metrics, null, save);
    if (stop === true || finished) break; // a stop asked in the last iteration: the run ends
    if (interrupted) throw new InterruptedError(`interrupted after L-BFGS iteration ${iteration}`);
  }
  return history;
}

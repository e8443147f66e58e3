// The training loop: shuffle, batch, forward, loss, backward, update; evaluate after each epoch.

import type { Dataset } from '../data/dataset.js';
import { DivergenceError, InterruptedError } from '../errors.js';
import type { PreActivationStats } from '../model/activations.js';
import { Activation, Dense, type Parameter } from '../model/layers.js';
import type { Network } from '../model/network.js';
import { significant } from '../numbers.js';
import { allFinite } from '../model/tensor.js';
import { Random } from '../random.js';
import type { EpochMetrics, StepLog } from './records.js';
import type { Batch } from '../model/batches.js';
import { BatchInspection, type BatchInside } from './batchInside.js';
import { epochMetrics } from './epochs.js';
import { LossBuffers, lossAndGradient, type LossName } from './losses.js';
import {
  createOptimizer,
  learningRateAt,
  OPTIMIZER_DEFAULTS,
  type LearningRateSchedule,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
} from './optimizers.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  shuffle: boolean;
  /** Stop after this many steps in all (TensorFlow's tutorial runs exactly 1000). */
  steps?: number;
  loss?: LossName;
  optimizer?: OptimizerConfig;
  weightDecay?: number;
  schedule?: LearningRateSchedule;
  evalBatchSize?: number;
  /** Evaluate on the test set after each epoch (default true; `bench` times training alone). */
  evaluateEachEpoch?: boolean;
  /** Report a StepLog every this many steps of an epoch, and at its last step (0: never). */
  logEvery?: number;
}

export interface BatchProgress {
  /** Steps so far in the run, this one included. */
  step: number;
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  learningRate: number;
}

export interface TrainHooks {
  /**
   * Before each batch, with the steps taken so far and the schedule's rate for the next: returns
   * the rate to use (a rate set by hand, rates.ts), or a promise of it (a paused run waits).
   * The time a promise of this hook or of afterBatch takes to settle is waiting (a pause), not
   * the epoch's training time (its `seconds`).
   */
  beforeBatch?(step: number, scheduled: number): number | Promise<number>;
  /** Every `config.logEvery` steps of an epoch, and after its last. */
  onLog?(log: StepLog): void;
  /** Asked before each batch, after beforeBatch: true lays this batch's step open (onInside). */
  inspect?(step: number): boolean;
  /** The inside of a step that `inspect` asked for (batchInside.ts), after its update. */
  onInside?(inside: BatchInside): void;
  /** After each batch's update, with that batch (for a shadow model, progress bars). */
  afterBatch?(batch: Batch, progress: BatchProgress): void | Promise<void>;
  /**
   * After each epoch's evaluation, with what it takes to continue from here: null when the
   * training cannot continue from a saved state (L-BFGS keeps its curvature memory only in
   * memory). `save` false marks an epoch between saves: its metrics are recorded, its model and
   * checkpoint need not be written (L-BFGS's iterations, tens of milliseconds each). Returning
   * true ends the training after this epoch (early stopping).
   */
  afterEpoch?(
    metrics: EpochMetrics,
    state: TrainState | null,
    save: boolean,
  ): void | boolean | Promise<void | boolean>;
  /**
   * Checked before each batch: true stops the training (InterruptedError) before it. A stop
   * asked during an epoch's last batch or its evaluation lets that epoch end (afterEpoch) and
   * stops before the next one; after the last epoch the training simply ends.
   */
  shouldStop?(): boolean;
}

/**
 * Where a run stands after a finished epoch, besides the network's own arrays: enough to
 * continue it bit for bit as if it had not stopped.
 */
export interface TrainState {
  /** Epochs finished. */
  epoch: number;
  step: number;
  randomState: number;
  /** The training set's order after the last epoch's shuffle (shuffles compound). */
  order: Uint32Array;
  optimizer: OptimizerState;
}

/**
 * A mean loss above this means training has blown up: for cross-entropy it is a probability
 * below e^−10000 on the true class (a fresh model is at ln 10 ≈ 2.3). NaN and ∞ fail it too.
 */
const LOSS_LIMIT = 1e4;

/** How often the loop lets signals (Ctrl-C) and timers in, in milliseconds. */
const YIELD_EVERY = 50;

/** The number of epochs a configuration runs, counting a partial last one when `steps` is set. */
export function plannedEpochs(config: TrainConfig, trainCount: number): number {
  if (config.steps === undefined) return config.epochs;
  return Math.ceil(config.steps / Math.ceil(trainCount / config.batchSize));
}

/** The step line's per-hidden-layer fields, from each activation's last forward pass. */
function preActivations(stats: PreActivationStats[]) {
  return {
    preActivationMean: stats.map((s) => s.mean),
    preActivationSd: stats.map((s) => s.sd),
    activationSlope: stats.map((s) => s.slope),
  };
}

/** What every step of a run uses. */
interface StepContext {
  network: Network;
  loss: LossName;
  buffers: LossBuffers;
  denseLayers: Dense[];
  optimizer: Optimizer;
  parameters: Parameter[];
}

/** An epoch's sums so far: of the losses, of the right answers, of the samples, of ‖∂L/∂W‖₂. */
interface EpochSums {
  loss: number;
  correct: number;
  seen: number;
  gradientNorms: Float64Array;
}

function copySums(sums: EpochSums): EpochSums {
  return { ...sums, gradientNorms: sums.gradientNorms.slice() };
}

/** The sums of the steps between `before` and `now`. */
function windowSince(before: EpochSums, now: EpochSums): EpochSums {
  return {
    loss: now.loss - before.loss,
    correct: now.correct - before.correct,
    seen: now.seen - before.seen,
    gradientNorms: now.gradientNorms.map((sum, l) => sum - before.gradientNorms[l]),
  };
}

/**
 * One step on a batch: forward, loss, backward, gradient norms, update; adds to `sums`. Throws
 * DivergenceError, before the update, when the loss or a gradient is not finite. (A function of
 * its own, small, which the JIT optimises soon and keeps, whatever happens in the loop around.)
 */
function trainStep(
  context: StepContext,
  sums: EpochSums,
  batch: Batch,
  learningRate: number,
  epoch: number,
  batchNumber: number,
  inspection: BatchInspection | null,
): void {
  const { network, buffers, denseLayers } = context;
  const { size, labels } = batch;
  const classes = network.classes.length;
  const logits = network.forward(batch.input, size, true);
  const dlogits = lossAndGradient(context.loss, buffers, logits, labels, size, classes);
  let batchLoss = 0;
  for (let n = 0; n < size; n++) {
    batchLoss += buffers.losses[n];
    if (buffers.predicted[n] === labels[n]) sums.correct++;
  }
  sums.loss += batchLoss;
  sums.seen += size;

  network.backward(dlogits, size);
  let gradientNorm = 0;
  for (let l = 0; l < denseLayers.length; l++) {
    const norm = Math.sqrt(network.engine.sumOfSquares(denseLayers[l].weightsGradient));
    sums.gradientNorms[l] += norm;
    gradientNorm += norm;
  }
  const meanLoss = batchLoss / size;
  if (!(meanLoss <= LOSS_LIMIT) || !Number.isFinite(gradientNorm)) {
    const what = !(meanLoss <= LOSS_LIMIT)
      ? `the loss is ${significant(meanLoss)}`
      : `the gradient norm is ${gradientNorm}`;
    throw new DivergenceError(
      `training diverged in epoch ${epoch}, batch ${batchNumber}: ${what}; ` +
        `try a smaller learning rate than ${learningRate}`,
    );
  }
  inspection?.beforeUpdate(logits);
  context.optimizer.step(context.parameters, learningRate);
}

/**
 * Trains `network` on `data`, from the start or from `resume` (a state that afterEpoch gave).
 * Returns the metrics of the epochs it ran. Throws DivergenceError when the loss or a gradient
 * stops being finite, InterruptedError when hooks.shouldStop says so before a batch.
 */
export async function train(
  network: Network,
  data: Dataset,
  config: TrainConfig,
  hooks: TrainHooks = {},
  resume?: TrainState,
): Promise<EpochMetrics[]> {
  const { train: split } = data;
  const classes = network.classes.length;
  const loss = config.loss ?? 'cross-entropy';
  const random = new Random(config.seed);
  const optimizerConfig = config.optimizer ?? OPTIMIZER_DEFAULTS;
  const optimizer = createOptimizer(optimizerConfig, config.weightDecay ?? 0, network.engine);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  /** The training set's indices of the batch at `start` of this epoch's order. */
  const indicesOf = (start: number, size: number) =>
    config.shuffle
      ? order.slice(start, start + size)
      : Uint32Array.from({ length: size }, (_, k) => start + k);
  const source = network.engine.batches(network.input, split, config.batchSize);
  const buffers = new LossBuffers(config.batchSize, classes, network.engine);
  const parameters = network.parameters().map((p) => p.parameter);
  const denseLayers = network.layers.filter((layer) => layer instanceof Dense);
  const activations = network.layers.filter((layer) => layer instanceof Activation);
  const logEvery = hooks.onLog ? (config.logEvery ?? 0) : 0;
  const { engine } = network;
  const batchesPerEpoch = Math.ceil(split.count / config.batchSize);
  const epochs = plannedEpochs(config, split.count);
  const history: EpochMetrics[] = [];
  const context: StepContext = { network, loss, buffers, denseLayers, optimizer, parameters };
  let step = 0;
  if (resume) {
    random.state = resume.randomState;
    order.set(resume.order);
    optimizer.restore(resume.optimizer, parameters);
    step = resume.step;
  }
  let lastYield = performance.now();
  /**
   * The next epoch's shuffle, made ahead of it (see BatchSource.prefetch): the first epoch's
   * before the loop, so that its rows are made before its time starts; each next one at the
   * start of the epoch before, so that its batches can be prepared during that epoch.
   */
  let next: { order: Uint32Array; randomState: number } | null = null;
  const shuffleAhead = () => {
    if (!config.shuffle || !source.prefetch) return null;
    const ahead = new Random(0);
    ahead.state = random.state;
    const nextOrder = order.slice();
    ahead.shuffle(nextOrder);
    source.prefetch(nextOrder);
    return { order: nextOrder, randomState: ahead.state };
  };
  if ((resume?.epoch ?? 0) < epochs) next = shuffleAhead();

  for (let epoch = (resume?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
    if (hooks.shouldStop?.()) {
      const where = epoch > 1 ? `after epoch ${epoch - 1}` : 'before the first batch';
      throw new InterruptedError(`interrupted ${where}`);
    }
    const started = performance.now();
    const scheduled = learningRateAt(
      config.schedule ?? 'constant',
      config.learningRate,
      epoch,
      epochs,
    );
    /** The rate of the last step taken: the schedule's unless beforeBatch says otherwise. */
    let learningRate = scheduled;
    let firstRate = scheduled;
    /** Milliseconds the epoch waited on the hooks' promises (paused): not training time. */
    let waited = 0;
    const waitFor = async <T>(promise: Promise<T>): Promise<T> => {
      const from = performance.now();
      const value = await promise;
      waited += performance.now() - from;
      return value;
    };
    if (config.shuffle) {
      if (next) {
        order.set(next.order); // the shuffle made ahead of time, the same as random.shuffle(order)
        random.state = next.randomState;
      } else {
        random.shuffle(order);
      }
    }
    source.startEpoch(config.shuffle ? order : null);
    next = epoch < epochs ? shuffleAhead() : null;
    const batches = Math.min(batchesPerEpoch, (config.steps ?? Infinity) - step);
    const sums: EpochSums = {
      loss: 0,
      correct: 0,
      seen: 0,
      gradientNorms: new Float64Array(denseLayers.length),
    };
    /** The epoch's sums and batches at the last log: a window's sums are the difference. */
    let logged = copySums(sums);
    let loggedBatches = 0;

    for (let b = 0; b < batches; b++) {
      if (b > 0 && hooks.shouldStop?.()) {
        throw new InterruptedError(`interrupted in epoch ${epoch} after batch ${b} of ${batches}`);
      }
      const start = b * config.batchSize;
      const batch = source.batch(start, Math.min(config.batchSize, split.count - start));
      if (hooks.beforeBatch) {
        const rate = hooks.beforeBatch(step, scheduled);
        learningRate = typeof rate === 'number' ? rate : await waitFor(rate);
      }
      if (b === 0) firstRate = learningRate;
      const inspection =
        hooks.onInside && hooks.inspect?.(step)
          ? new BatchInspection({
              network,
              loss,
              buffers,
              batch,
              split,
              indices: indicesOf(start, batch.size),
            })
          : null;
      trainStep(context, sums, batch, learningRate, epoch, b + 1, inspection);
      step++;
      if (logEvery > 0 && ((b + 1) % logEvery === 0 || b + 1 === batches)) {
        const window = windowSince(logged, sums);
        hooks.onLog!({
          step,
          epoch,
          epochFraction: (b + 1) / batchesPerEpoch,
          loss: window.loss / window.seen,
          accuracy: window.correct / window.seen,
          learningRate,
          gradientNorms: Array.from(window.gradientNorms, (sum) => sum / (b + 1 - loggedBatches)),
          weightNorms: denseLayers.map((layer) => Math.sqrt(engine.sumOfSquares(layer.weights))),
          saturation: activations.map((layer) => layer.saturation(batch.size)),
          ...preActivations(activations.map((layer) => layer.preActivation(batch.size))),
        });
        logged = copySums(sums);
        loggedBatches = b + 1;
      }
      if (inspection) {
        const weightDecay = config.weightDecay ?? 0;
        const rule = { ...optimizerConfig, weightDecay, t: optimizer.state().t };
        const position = { step, epoch, batch: b + 1, learningRate, optimizer: rule };
        hooks.onInside!(inspection.afterUpdate(position));
      }

      if (hooks.afterBatch) {
        const done = hooks.afterBatch(batch, {
          step,
          epoch,
          batch: b + 1,
          batches,
          loss: sums.loss / sums.seen,
          accuracy: sums.correct / sums.seen,
          learningRate,
        });
        if (done) await waitFor(done); // an await of nothing would still wait a turn at every step
      }
      if (performance.now() - lastYield > YIELD_EVERY) {
        await new Promise((resolve) => setImmediate(resolve)); // let a Ctrl-C be heard
        lastYield = performance.now();
      }
    }

    const seconds = (performance.now() - started - waited) / 1000;
    const broken = parameters.find((p) => !allFinite(p.value));
    if (broken) {
      throw new DivergenceError(
        `training diverged in epoch ${epoch}: the ${broken.name} hold non-finite values; ` +
          `try a smaller learning rate than ${learningRate}`,
      );
    }
    const metrics = epochMetrics(
      network,
      data,
      {
        epoch,
        trainLoss: sums.loss / sums.seen,
        trainAccuracy: sums.correct / sums.seen,
        seconds,
        samples: sums.seen,
        steps: step,
        learningRate,
        ...(firstRate === learningRate ? {} : { firstLearningRate: firstRate }),
        gradientNorms: Array.from(sums.gradientNorms, (sum) => sum / batches),
      },
      { loss, batchSize: config.evalBatchSize, evaluate: config.evaluateEachEpoch !== false },
    );
    history.push(metrics);
    const stop = await hooks.afterEpoch?.(
      metrics,
      {
        epoch,
        step,
        randomState: random.state,
        order,
        optimizer: optimizer.state(),
      },
      true,
    );
    if (stop === true) break;
  }
  return history;
}

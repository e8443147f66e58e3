// `mnist-softmax train`: options → data → network → training loop → run folder.

import { join, resolve } from 'node:path';
import type { ShadowEpoch, TfjsShadow } from '../check/tfjsShadow.js';
import { loadDataset, resolveDataSource, type Split } from '../data/dataset.js';
import { DivergenceError, EXIT, InterruptedError, UsageError, UserError } from '../errors.js';
import type { ActivationName } from '../model/activations.js';
import { serializeModel } from '../model/modelFile.js';
import {
  buildNetwork,
  describeInit,
  describeNetwork,
  MNIST_INPUT,
  type Architecture,
  type Init,
  type Network,
} from '../model/network.js';
import { Random } from '../random.js';
import { curvesSvg } from '../report/curves.js';
import { reportHtml } from '../report/html.js';
import { weightsPng, weightTiles } from '../report/weights.js';
import { readCheckpoint, restoreNetwork, writeCheckpoint } from '../train/checkpoint.js';
import { evaluate } from '../train/evaluate.js';
import { createEngine, type EngineName } from '../wasm/engine.js';
import type { LossName } from '../train/losses.js';
import type { LearningRateSchedule, OptimizerConfig, OptimizerName } from '../train/optimizers.js';
import {
  defaultRunFolder,
  prepareRunFolder,
  writeFileAtomic,
  writeMetrics,
} from '../train/runFiles.js';
import { plannedEpochs, train, type EpochMetrics, type TrainConfig } from '../train/trainer.js';
import { barChart, percent } from './format.js';
import { EpochProgress } from './progress.js';

export interface TrainOptions {
  data?: string;
  epochs: number;
  batchSize: number;
  lr?: number;
  seed: number;
  shuffle: boolean;
  trainLimit?: number;
  testLimit?: number;
  steps?: number;
  hidden: number[];
  activation: ActivationName;
  batchnorm: boolean;
  init: Init | 'auto';
  loss: LossName;
  optimizer: OptimizerName;
  momentum: number;
  beta1: number;
  beta2: number;
  adamEpsilon: number;
  weightDecay: number;
  lrSchedule: LearningRateSchedule;
  out?: string;
  force: boolean;
  progress: boolean;
  json: boolean;
  preset?: 'tf-beginners';
  checkTfjs: boolean;
  engine: EngineName;
  threads: number;
}

/** Default learning rates: each optimiser's usual scale (momentum's steps are ~1/(1−μ) longer). */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  sgd: 0.5,
  momentum: 0.05,
  adam: 0.001,
};

/**
 * TensorFlow's beginner tutorial: W and b start at zero, plain SGD at 0.5, batches of 100,
 * exactly 1000 steps (a little under two epochs of 60,000).
 */
export const PRESETS: Record<NonNullable<TrainOptions['preset']>, Partial<TrainOptions>> = {
  'tf-beginners': {
    init: 'zeros',
    optimizer: 'sgd',
    lr: 0.5,
    batchSize: 100,
    steps: 1000,
    hidden: [],
  },
};

export function applyPreset(options: TrainOptions): TrainOptions {
  return options.preset ? { ...options, ...PRESETS[options.preset] } : options;
}

/** Checks that the options fit together, before any data is read. */
function validate(options: TrainOptions): void {
  if (options.init === 'zeros' && options.hidden.length > 0) {
    throw new UsageError(
      '--init zeros works only for softmax regression: hidden units that start equal stay equal; ' +
        'use --init he or xavier with --hidden',
    );
  }
  if (options.batchnorm && options.hidden.length === 0) {
    throw new UsageError('--batchnorm needs hidden layers (--hidden N)');
  }
}

/** The options a checkpoint keeps: what defines the run, not how this process reports it. */
function savedOptions(options: TrainOptions): Partial<TrainOptions> {
  const { out, force, progress, json, threads, ...kept } = options;
  return kept;
}

/**
 * `--resume DIR`: the run's saved options, in its own folder; `--epochs` may extend it. How
 * this process reports (progress, json) and its threads come from the command line.
 */
function resumedOptions(raw: TrainOptions, folder: string, epochsGiven: boolean) {
  const checkpoint = readCheckpoint<TrainOptions>(folder);
  const saved = checkpoint.options;
  if (epochsGiven && raw.epochs < checkpoint.state.epoch) {
    throw new UsageError(
      `--epochs ${raw.epochs}: the run in ${folder} has already finished ${checkpoint.state.epoch} epochs`,
    );
  }
  if (saved.checkTfjs)
    console.error('--resume: the tfjs cross-check does not continue across a resume');
  const options: TrainOptions = {
    ...saved,
    epochs: epochsGiven ? raw.epochs : saved.epochs,
    out: folder,
    force: true,
    progress: raw.progress,
    json: raw.json,
    threads: raw.threads,
    checkTfjs: false,
  };
  return { options, checkpoint };
}

export async function trainCommand(
  raw: TrainOptions & { resume?: string },
  epochsGiven = false,
): Promise<void> {
  const resumed = raw.resume ? resumedOptions(raw, raw.resume, epochsGiven) : null;
  const options = resumed ? resumed.options : applyPreset(raw);
  validate(options);
  const source = resolveDataSource(options.data);
  const out = options.out ?? defaultRunFolder();
  prepareRunFolder(out, options.force, Boolean(resumed));

  const loadStarted = performance.now();
  const data = await loadDataset(source, {
    trainLimit: options.trainLimit,
    testLimit: options.testLimit,
  });
  const log = (line: string) => (options.json ? console.error(line) : console.log(line));
  console.error(
    `${source.name}: ${data.train.count} training and ${data.test.count} test images ` +
      `of ${data.train.height}×${data.train.width}, loaded in ` +
      `${((performance.now() - loadStarted) / 1000).toFixed(2)} s`,
  );

  const optimizer: OptimizerConfig = {
    name: options.optimizer,
    momentum: options.momentum,
    beta1: options.beta1,
    beta2: options.beta2,
    epsilon: options.adamEpsilon,
  };
  const learningRate = options.lr ?? DEFAULT_LEARNING_RATES[options.optimizer];
  const config: TrainConfig = {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate,
    seed: options.seed,
    shuffle: options.shuffle,
    steps: options.steps,
    loss: options.loss,
    optimizer,
    weightDecay: options.weightDecay,
    schedule: options.lrSchedule,
  };
  const architecture: Architecture = {
    hidden: options.hidden,
    activation: options.activation,
    batchnorm: options.batchnorm,
    init: options.init,
  };
  const input = { ...MNIST_INPUT, height: data.train.height, width: data.train.width };
  const engine = createEngine(options.engine, options.threads);
  const network = buildNetwork(input, data.classes, architecture, new Random(options.seed), engine);
  if (resumed) restoreNetwork(network, resumed.checkpoint.arrays, out);
  const runConfig = {
    data: source.name,
    preset: options.preset ?? null,
    model: describeNetwork(network),
    hidden: options.hidden,
    activation: options.hidden.length ? options.activation : null,
    batchnorm: options.batchnorm,
    init: describeInit(architecture),
    loss: options.loss,
    optimizer: options.optimizer,
    ...(options.optimizer === 'momentum' ? { momentum: options.momentum } : {}),
    ...(options.optimizer === 'adam'
      ? { beta1: options.beta1, beta2: options.beta2, adamEpsilon: options.adamEpsilon }
      : {}),
    learningRate,
    lrSchedule: options.lrSchedule,
    weightDecay: options.weightDecay,
    batchSize: options.batchSize,
    epochs: plannedEpochs(config, data.train.count),
    steps: options.steps ?? null,
    seed: options.seed,
    shuffle: options.shuffle,
    engine: options.engine,
    trainLimit: options.trainLimit ?? null,
    testLimit: options.testLimit ?? null,
  };
  console.error(
    `model ${runConfig.model}, ${options.loss} loss, ${options.optimizer} at ${learningRate}` +
      (options.lrSchedule === 'constant' ? '' : ` (${options.lrSchedule} schedule)`),
  );

  const shadow = options.checkTfjs ? await startShadow(network, config) : null;
  const tfjsCheck = shadow && { backend: shadow.backend, epochs: [] as ShadowEpoch[] };

  const epochs = runConfig.epochs;
  const progress = new EpochProgress(options.progress, epochs);
  const finished: EpochMetrics[] = resumed ? [...resumed.checkpoint.history] : [];
  if (resumed) {
    console.error(`--resume: continuing ${out} after epoch ${resumed.checkpoint.state.epoch}`);
  }
  const stop = interruptOnSignals();
  const started = performance.now();
  try {
    await train(
      network,
      data,
      config,
      {
        afterBatch: (batch, batchProgress) => {
          shadow?.model.step(batch, batchProgress.learningRate);
          progress.update(batchProgress);
        },
        afterEpoch: (metrics, state) => {
          progress.endEpoch();
          const check = shadow?.model.endEpoch(metrics.epoch, metrics.trainLoss);
          if (check) tfjsCheck?.epochs.push(check);
          log(
            epochLine(metrics, epochs, options.lrSchedule !== 'constant') +
              (check ? tfjsCheckText(check) : ''),
          );
          finished.push(metrics);
          writeMetrics(out, runConfig, finished, tfjsCheck ? { tfjsCheck } : {});
          writeFileAtomic(join(out, 'curves.svg'), curvesSvg(finished));
          writeFileAtomic(
            join(out, 'model.json'),
            serializeModel(network, { ...runConfig, epochsRun: metrics.epoch, final: metrics }),
          );
          writeCheckpoint(out, savedOptions(options), finished, {}, state, network);
          if (check && !(check.maxAbsWeightDiff <= shadow!.maxWeightDrift)) {
            throw new UserError(
              `--check-tfjs: after epoch ${metrics.epoch} the weights differ from tfjs by ` +
                `${check.maxAbsWeightDiff.toExponential(2)}, more than ${shadow!.maxWeightDrift}`,
              EXIT.failed,
            );
          }
        },
        shouldStop: stop.requested,
      },
      resumed?.checkpoint.state,
    );
  } catch (error) {
    progress.endEpoch();
    const saved = finished.length
      ? `every finished epoch (${finished.length}) is saved in ${out}, model.json as of the last`
      : 'no epoch had finished, so nothing was saved';
    if (error instanceof InterruptedError) {
      const next = finished.length ? `; continue with: mnist-softmax train --resume ${out}` : '';
      throw new InterruptedError(`${error.message}; ${saved}${next}`);
    }
    if (error instanceof DivergenceError) throw new DivergenceError(`${error.message}; ${saved}`);
    throw error;
  } finally {
    stop.release();
    shadow?.model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const history = finished;
  const last = history[history.length - 1];
  writeReport(out, runConfig, history, network, data.test);
  engine.close?.();

  if (options.json) {
    const result = {
      testAccuracy: last.testAccuracy,
      testLoss: last.testLoss,
      epochs: history,
      out: resolve(out),
      seconds,
      ...(tfjsCheck ? { tfjsCheck } : {}),
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    console.log('\ntest accuracy per epoch:');
    console.log(
      barChart(
        history.map((m) => ({
          label: String(m.epoch),
          value: m.testAccuracy,
          text: percent(m.testAccuracy),
        })),
      ),
    );
    console.log(
      `\ntest accuracy ${percent(last.testAccuracy)} (loss ${last.testLoss.toFixed(4)}) ` +
        `after ${last.steps} steps in ${seconds.toFixed(1)} s; run saved to ${out} ` +
        '(report.html, weights.png, curves.svg, metrics, model.json)',
    );
  }
}

/** weights.png and report.html, from the final network and a full look at the test set. */
function writeReport(
  out: string,
  config: Record<string, unknown>,
  history: EpochMetrics[],
  network: Network,
  test: Split,
): void {
  const weights = weightsPng(weightTiles(network), network.input.height, network.input.width);
  writeFileAtomic(join(out, 'weights.png'), weights);
  const evaluation = evaluate(network, test);
  const curves = curvesSvg(history);
  const html = reportHtml({ config, history, curves, weights, evaluation, network, test });
  writeFileAtomic(join(out, 'report.html'), html);
}

export function epochLine(metrics: EpochMetrics, epochs: number, showRate = false): string {
  const width = String(epochs).length;
  return (
    `epoch ${String(metrics.epoch).padStart(width)}/${epochs}` +
    (showRate ? `  lr ${metrics.learningRate.toPrecision(3)}` : '') +
    `  train loss ${metrics.trainLoss.toFixed(4)} acc ${percent(metrics.trainAccuracy)}` +
    `  test loss ${metrics.testLoss.toFixed(4)} acc ${percent(metrics.testAccuracy)}` +
    `  ${metrics.seconds.toFixed(2)} s  ${Math.round(metrics.samplesPerSecond)} samples/s`
  );
}

function tfjsCheckText(check: ShadowEpoch): string {
  return (
    `  tfjs: max |Δw| ${check.maxAbsWeightDiff.toExponential(2)}` +
    ` |Δloss| ${check.lossDiff.toExponential(2)}`
  );
}

/** Loads tfjs (only now: plain `train` never pays for it) and builds the shadow model. */
async function startShadow(network: Network, config: TrainConfig) {
  const { loadTfjs } = await import('../check/tfjs.js');
  const { TfjsShadow, MAX_WEIGHT_DRIFT } = await import('../check/tfjsShadow.js');
  const oracle = await loadTfjs();
  console.error(`--check-tfjs: training the same model in ${oracle.backend} alongside`);
  const model: TfjsShadow = new TfjsShadow(oracle, network, config);
  return { model, backend: oracle.backend, maxWeightDrift: MAX_WEIGHT_DRIFT };
}

/**
 * SIGINT and SIGTERM ask the training to stop after its current batch (it then exits 130 with
 * every finished epoch saved); a second signal quits at once. Every file is written to a
 * temporary name and renamed, so quitting at any moment leaves no half-written file.
 */
function interruptOnSignals() {
  let requested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      console.error(`\n${signal} again: quitting now`);
      process.exit(EXIT.interrupted);
    }
    requested = true;
    console.error(`\n${signal}: stopping after this batch (again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => requested,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

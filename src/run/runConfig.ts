// A run's options turned into what its parts take: the network's architecture, the training
// algorithm's configuration, the data with its validation split, and the configuration that
// metrics.json and model.json record (RunConfig).

import { holdOut, type Dataset } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import {
  describeInit,
  describeNetwork,
  type Architecture,
  type Network,
} from '../model/network.js';
import { plannedEpochs, type TrainConfig } from '../train/trainer.js';
import { type RunOptions } from './options.js';
import { learningRateOf, type ResolvedOptions } from './optionRules.js';

export function architectureOf(options: RunOptions): Architecture {
  return {
    hidden: options.hidden,
    activation: options.activation,
    batchnorm: options.batchnorm,
    init: options.init,
  };
}

/** A run's configuration as metrics.json and model.json record it. */
export type RunConfig = ReturnType<typeof describeRun>;

export function describeRun(
  options: ResolvedOptions,
  architecture: Architecture,
  data: Dataset,
  config: TrainConfig,
  network: Network,
) {
  const full = options.optimizer === 'lbfgs';
  return {
    data: data.name,
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
    // L-BFGS takes the full batch and finds its own steps
    learningRate: full ? null : config.learningRate,
    lrSchedule: full ? null : options.lrSchedule,
    weightDecay: options.weightDecay,
    batchSize: full ? null : config.batchSize,
    epochs: plannedEpochs(config, data.train.count),
    steps: options.steps ?? null,
    valSplit: options.valSplit,
    keep: options.keep,
    earlyStop: options.earlyStop ?? null,
    logEvery: config.logEvery,
    seed: options.seed,
    shuffle: options.shuffle,
    engine: options.engine,
    trainLimit: options.trainLimit ?? null,
    testLimit: options.testLimit ?? null,
  };
}

export function trainConfig(options: ResolvedOptions): TrainConfig {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: learningRateOf(options),
    seed: options.seed,
    shuffle: options.shuffle,
    // L-BFGS counts its iterations in epochs and brings its own step (train/lbfgs.ts)
    steps: options.optimizer === 'lbfgs' ? undefined : options.steps,
    loss: options.loss,
    optimizer:
      options.optimizer === 'lbfgs'
        ? undefined
        : {
            name: options.optimizer,
            momentum: options.momentum,
            beta1: options.beta1,
            beta2: options.beta2,
            epsilon: options.adamEpsilon,
          },
    weightDecay: options.weightDecay,
    schedule: options.lrSchedule,
  };
}

/** The data with `valSplit` of its training images held out for validation (if any). */
export function withValidation(data: Dataset, options: ResolvedOptions): Dataset {
  if (!(options.valSplit > 0)) return data;
  const { train, validation } = holdOut(data.train, options.valSplit, options.seed);
  if (train.count === 0 || validation.count === 0) {
    throw new UsageError(
      `--val-split ${options.valSplit} of ${data.train.count} training images leaves ` +
        `${train.count} to train on and ${validation.count} to validate on; both need some`,
    );
  }
  // the training split's stamp says how it was cut, so its cached fingerprint is its own
  const stamp = data.stamps?.train;
  const held = stamp ? `${stamp} | held out ${options.valSplit} by seed ${options.seed}` : null;
  const stamps = data.stamps && { ...data.stamps, train: held };
  return { ...data, train, validation, ...(stamps ? { stamps } : {}) };
}

export function datasetSummary(data: Dataset) {
  return {
    name: data.name,
    train: data.train.count,
    validation: data.validation?.count ?? 0,
    test: data.test.count,
    height: data.train.height,
    width: data.train.width,
  };
}

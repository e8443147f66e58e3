// Every option of a run and its default, defined once: the Run API applies them, and the CLI's
// help shows them. Light to import (no engine, no data), so `--help` stays fast.

import type { ActivationName } from '../model/activations.js';
import type { Init } from '../model/network.js';
import type { EngineName } from '../wasm/engineNames.js';
import type { LossName } from './losses.js';
import { OPTIMIZER_DEFAULTS, type LearningRateSchedule, type OptimizerName } from './optimizers.js';

/** Default learning rates: each optimiser's usual scale (momentum's steps are ~1/(1−μ) longer). */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  sgd: 0.5,
  momentum: 0.05,
  adam: 0.001,
};

/** What defines a run: everything its checkpoint keeps to continue it. */
export interface RunOptions {
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
  preset?: 'tf-beginners';
  checkTfjs: boolean;
  engine: EngineName;
  /** Steps between the lines of events.jsonl (0: none); default about 50 lines an epoch. */
  logEvery?: number;
}

/** Every option's default, defined once: the CLI's help shows these. */
export const RUN_DEFAULTS: Omit<RunOptions, 'lr'> = {
  epochs: 5,
  batchSize: 100,
  seed: 1,
  shuffle: true,
  hidden: [],
  activation: 'relu',
  batchnorm: false,
  init: 'auto',
  loss: 'cross-entropy',
  optimizer: 'sgd',
  momentum: OPTIMIZER_DEFAULTS.momentum,
  beta1: OPTIMIZER_DEFAULTS.beta1,
  beta2: OPTIMIZER_DEFAULTS.beta2,
  adamEpsilon: OPTIMIZER_DEFAULTS.epsilon,
  weightDecay: 0,
  lrSchedule: 'constant',
  checkTfjs: false,
  engine: 'wasm',
};

/** The event log's default: about this many lines an epoch. */
export const LOG_LINES_PER_EPOCH = 50;

/** Steps between event log lines by default: 12 for MNIST's 600 batches of 100. */
export function defaultLogEvery(trainCount: number, batchSize: number): number {
  return Math.max(1, Math.round(Math.ceil(trainCount / batchSize) / LOG_LINES_PER_EPOCH));
}

/**
 * TensorFlow's beginner tutorial: W and b start at zero, plain SGD at 0.5, batches of 100,
 * exactly 1000 steps (a little under two epochs of 60,000).
 */
export const PRESETS: Record<NonNullable<RunOptions['preset']>, Partial<RunOptions>> = {
  'tf-beginners': {
    init: 'zeros',
    optimizer: 'sgd',
    lr: 0.5,
    batchSize: 100,
    steps: 1000,
    hidden: [],
  },
};

export function applyPreset<Options extends RunOptions>(options: Options): Options {
  return options.preset ? { ...options, ...PRESETS[options.preset] } : options;
}

// Every option of a run and its default, defined once: the Run API applies them, and the CLI's
// help shows them. Light to import (no engine, no data), so `--help` stays fast.

import type { ActivationName } from '../model/activations.js';
import type { Init } from '../model/network.js';
import type { EngineName } from '../wasm/engineNames.js';
import type { LossName } from './losses.js';
import { UsageError } from '../errors.js';
import {
  OPTIMIZER_DEFAULTS,
  OPTIMIZERS,
  type LearningRateSchedule,
  type OptimizerName,
} from './optimizers.js';

/**
 * Default learning rates: each optimiser's usual scale (momentum's steps are ~1/(1−μ) longer).
 * Adam's is five times Keras' 0.001: under the default cosine decay the late epochs take small
 * steps anyway, and the early ones get far sooner (measured on MNIST and Fashion-MNIST, softmax
 * regression and 784-256-10 with BatchNorm: 0.005 ahead of 0.002 and 0.001 on both; see README).
 */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  sgd: 0.5,
  momentum: 0.05,
  adam: 0.005,
};

/** Default epochs: softmax regression converges in 5; hidden layers want 10. */
export const DEFAULT_EPOCHS = { softmaxRegression: 5, hidden: 10, lbfgsIterations: 60 };

/** How a run trains: an optimiser of mini-batches, or full-batch L-BFGS (train/lbfgs.ts). */
export type SolverName = OptimizerName | 'lbfgs';
export const SOLVERS: readonly SolverName[] = [...OPTIMIZERS, 'lbfgs'];

/** The first step L-BFGS's line search tries (its own scale: it needs no learning rate). */
export const LBFGS_FIRST_STEP = 1;

/** The learning rate a run uses: --lr, else its optimiser's default. */
export function learningRateOf(options: { lr?: number; optimizer: SolverName }): number {
  if (options.optimizer === 'lbfgs') return LBFGS_FIRST_STEP;
  return options.lr ?? DEFAULT_LEARNING_RATES[options.optimizer];
}

/** What defines a run: everything its checkpoint keeps to continue it. */
export interface RunOptions {
  data?: string;
  /** Default: DEFAULT_EPOCHS, by architecture. */
  epochs?: number;
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
  optimizer: SolverName;
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
  /** The share of the training set held out for validation (0: none). */
  valSplit: number;
  /** The epoch model.json holds; default best with a validation split, else last. */
  keep?: KeepRule;
  /** Stop after this many epochs without a better validation accuracy. */
  earlyStop?: number;
}

export type KeepRule = 'best' | 'last';
export const KEEP_RULES: readonly KeepRule[] = ['best', 'last'];

/** Every option's default, defined once: the CLI's help shows these. */
export const RUN_DEFAULTS: Omit<RunOptions, 'lr' | 'epochs'> = {
  batchSize: 100,
  seed: 1,
  shuffle: true,
  hidden: [],
  activation: 'relu',
  batchnorm: false,
  init: 'auto',
  loss: 'cross-entropy',
  optimizer: 'adam',
  momentum: OPTIMIZER_DEFAULTS.momentum,
  beta1: OPTIMIZER_DEFAULTS.beta1,
  beta2: OPTIMIZER_DEFAULTS.beta2,
  adamEpsilon: OPTIMIZER_DEFAULTS.epsilon,
  weightDecay: 0,
  lrSchedule: 'cosine',
  checkTfjs: false,
  engine: 'wasm',
  valSplit: 0,
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
    lrSchedule: 'constant',
    batchSize: 100,
    steps: 1000,
    hidden: [],
  },
};

/**
 * The options a run uses: its preset applied, its epochs chosen by its architecture, the epoch
 * it keeps by its validation. Refuses choices that need a validation split without one.
 */
export function resolveOptions<Options extends RunOptions>(
  options: Options,
): Options & { epochs: number; keep: KeepRule } {
  const applied = options.preset ? { ...options, ...PRESETS[options.preset] } : options;
  const lbfgs = applied.optimizer === 'lbfgs';
  if (lbfgs && applied.hidden.length > 0) {
    throw new UsageError('--optimizer lbfgs trains softmax regression only, not --hidden layers');
  }
  if (lbfgs && applied.loss !== 'cross-entropy') {
    throw new UsageError('--optimizer lbfgs minimises the cross-entropy, not --loss mse');
  }
  if (lbfgs && applied.checkTfjs) {
    throw new UsageError('--check-tfjs replays sgd, momentum and adam, not --optimizer lbfgs');
  }
  const epochs =
    applied.epochs ??
    (lbfgs
      ? DEFAULT_EPOCHS.lbfgsIterations
      : applied.hidden.length
        ? DEFAULT_EPOCHS.hidden
        : DEFAULT_EPOCHS.softmaxRegression);
  const validating = (applied.valSplit ?? 0) > 0;
  if (!validating && applied.keep === 'best') {
    throw new UsageError('--keep best needs a validation split to choose by (--val-split F)');
  }
  if (!validating && applied.earlyStop !== undefined) {
    throw new UsageError('--early-stop needs a validation split to watch (--val-split F)');
  }
  return { ...applied, epochs, keep: applied.keep ?? (validating ? 'best' : 'last') };
}

/** `--adam-epsilon` for `adamEpsilon`. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * The options given (by the user, not by default) that a run would ignore: a warning each.
 * Throws UsageError for one that contradicts a preset (which would silently override it).
 */
export function optionWarnings(options: RunOptions, given: ReadonlySet<string>): string[] {
  const { optimizer, hidden } = resolveOptions(options);
  if (options.preset) {
    const preset = PRESETS[options.preset] as Record<string, unknown>;
    for (const name of given) {
      const value = (options as unknown as Record<string, unknown>)[name];
      if (name in preset && JSON.stringify(value) !== JSON.stringify(preset[name])) {
        throw new UsageError(
          `${flagOf(name)} ${String(value)} contradicts --preset ${options.preset}, ` +
            `which sets ${flagOf(name)} ${String(preset[name])}`,
        );
      }
    }
  }
  const warnings: string[] = [];
  const unused = (names: string[], why: string) => {
    for (const name of names) {
      if (given.has(name)) warnings.push(`${flagOf(name)} has no effect ${why}`);
    }
  };
  if (optimizer !== 'momentum') unused(['momentum'], `with --optimizer ${optimizer}`);
  if (optimizer !== 'adam') {
    unused(['beta1', 'beta2', 'adamEpsilon'], `with --optimizer ${optimizer}`);
  }
  if (hidden.length === 0) {
    unused(['activation'], 'without hidden layers (--hidden)');
  }
  if (options.steps !== undefined) unused(['epochs'], 'with --steps, which sets the length');
  if (optimizer === 'lbfgs') {
    unused(
      ['lr', 'lrSchedule', 'batchSize', 'steps', 'shuffle'],
      'with --optimizer lbfgs (full batch, its own line search; --epochs counts its iterations)',
    );
  }
  return warnings;
}

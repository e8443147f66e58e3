// A lesson's arm on the static page: its options as the studio would run them (resolved as
// `train` resolves them, run/optionRules.ts), in the terms of the page's worker (StaticRunOptions).

import { defaultLogEvery, learningRateOf, resolveOptions } from '../run/optionRules.js';
import { RUN_DEFAULTS, type TrainOptions } from '../run/options.js';
import type { StaticRunOptions } from '../static/protocol.js';

/** The options of `train` an arm may set: those the worker takes. */
const CARRIED = new Set([
  'hidden',
  'optimizer',
  'lr',
  'epochs',
  'batchSize',
  'seed',
  'loss',
  'activation',
  'batchnorm',
  'init',
  'lrSchedule',
  'steps',
  'logEvery',
]);

/**
 * A lesson arm's options (as studio/lessons.ts gives them) resolved as `train` resolves them, in
 * the worker's terms. An option the worker would drop is refused: arms that differ only in it
 * would run the same.
 */
export function armOptions(run: Record<string, unknown>, trainCount: number): StaticRunOptions {
  const dropped = Object.keys(run).filter((name) => !CARRIED.has(name));
  if (dropped.length) throw new Error(`the static page's worker takes no ${dropped.join(', ')}`);
  const options = resolveOptions({ ...RUN_DEFAULTS, ...run } as TrainOptions);
  if (options.optimizer === 'lbfgs') throw new Error('the static page trains by mini-batches');
  return {
    hidden: options.hidden,
    optimizer: options.optimizer,
    learningRate: learningRateOf(options),
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    loss: options.loss,
    activation: options.activation,
    batchnorm: options.batchnorm,
    init: options.init,
    schedule: options.lrSchedule,
    steps: options.steps,
    logEvery: options.logEvery ?? defaultLogEvery(trainCount, options.batchSize),
  };
}

/** The steps an arm runs on `trainCount` images. */
export function stepsOf(options: StaticRunOptions, trainCount: number): number {
  const all = options.epochs * Math.ceil(trainCount / options.batchSize);
  return Math.min(all, options.steps ?? all);
}

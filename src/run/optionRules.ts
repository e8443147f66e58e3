// The rules between a run's options: the defaults that depend on other options (epochs by the
// architecture, the learning rate by the optimiser, the epoch kept by the validation, the event
// log's spacing by the data), the preset, the combinations refused, and the options a run ignores.

import { UsageError } from '../errors.js';
import {
  DEFAULT_EPOCHS,
  DEFAULT_LEARNING_RATES,
  flagOf,
  LBFGS_FIRST_STEP,
  LOG_LINES_PER_EPOCH,
  type KeepRule,
  type RunOptions,
  type SolverName,
  type TrainOptions,
} from './options.js';

/** The learning rate a run uses: --lr, else its optimiser's default. */
export function learningRateOf(options: { lr?: number; optimizer: SolverName }): number {
  if (options.optimizer === 'lbfgs') return LBFGS_FIRST_STEP;
  return options.lr ?? DEFAULT_LEARNING_RATES[options.optimizer];
}

/** Steps between event log lines by default: 12 for MNIST's 600 batches of 100. */
export function defaultLogEvery(trainCount: number, batchSize: number): number {
  return Math.max(1, Math.round(Math.ceil(trainCount / batchSize) / LOG_LINES_PER_EPOCH));
}

/** The epochs a run trains without --epochs: by its architecture (L-BFGS: its iterations). */
export function defaultEpochs(options: { optimizer: SolverName; hidden: number[] }): number {
  if (options.optimizer === 'lbfgs') return DEFAULT_EPOCHS.lbfgsIterations;
  return options.hidden.length ? DEFAULT_EPOCHS.hidden : DEFAULT_EPOCHS.softmaxRegression;
}

/** The epoch model.json keeps without --keep: the best with a validation split, else the last. */
export function defaultKeep(options: { valSplit?: number }): KeepRule {
  return (options.valSplit ?? 0) > 0 ? 'best' : 'last';
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

/** A run's options as it uses them: preset applied, epochs and the epoch kept chosen. */
export type ResolvedOptions<Options extends RunOptions = TrainOptions> = Options & {
  epochs: number;
  keep: KeepRule;
};

/**
 * The options a run uses: its preset applied, its epochs chosen by its architecture, the epoch
 * it keeps by its validation. Refuses choices that need a validation split without one.
 */
export function resolveOptions<Options extends RunOptions & { checkTfjs?: boolean }>(
  options: Options,
): ResolvedOptions<Options> {
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
  const epochs = applied.epochs ?? defaultEpochs(applied);
  const validating = (applied.valSplit ?? 0) > 0;
  if (!validating && applied.keep === 'best') {
    throw new UsageError('--keep best needs a validation split to choose by (--val-split F)');
  }
  if (!validating && applied.earlyStop !== undefined) {
    throw new UsageError('--early-stop needs a validation split to watch (--val-split F)');
  }
  return { ...applied, epochs, keep: applied.keep ?? defaultKeep(applied) };
}

/**
 * The options given (by the user, not by default: the keys of `given`) that the run, as
 * `resolved`, would ignore: a warning each. Throws UsageError for one that contradicts a preset
 * (which would silently override it).
 */
export function optionWarnings(
  given: Partial<RunOptions>,
  resolved: Pick<RunOptions, 'optimizer' | 'hidden' | 'preset' | 'steps'>,
): string[] {
  const names = new Set(Object.keys(given));
  const { optimizer, hidden, preset } = resolved;
  if (preset) {
    const set = PRESETS[preset] as Record<string, unknown>;
    for (const name of names) {
      const value = (given as Record<string, unknown>)[name];
      if (name in set && JSON.stringify(value) !== JSON.stringify(set[name])) {
        throw new UsageError(
          `${flagOf(name)} ${String(value)} contradicts --preset ${preset}, ` +
            `which sets ${flagOf(name)} ${String(set[name])}`,
        );
      }
    }
  }
  const warnings: string[] = [];
  const unused = (list: string[], why: string) => {
    for (const name of list) {
      if (names.has(name)) warnings.push(`${flagOf(name)} has no effect ${why}`);
    }
  };
  if (optimizer !== 'momentum') unused(['momentum'], `with --optimizer ${optimizer}`);
  if (optimizer !== 'adam') {
    unused(['beta1', 'beta2', 'adamEpsilon'], `with --optimizer ${optimizer}`);
  }
  if (hidden.length === 0) {
    unused(['activation'], 'without hidden layers (--hidden)');
  }
  if (given.steps !== undefined) unused(['epochs'], 'with --steps, which sets the length');
  if (optimizer === 'lbfgs') {
    unused(
      ['lr', 'lrSchedule', 'batchSize', 'steps', 'shuffle'],
      'with --optimizer lbfgs (full batch, its own line search; --epochs counts its iterations)',
    );
  }
  return warnings;
}

/** The option a rule's message names first (`--early-stop needs …` → earlyStop): its field. */
export function optionNamed(message: string): string {
  const flag = /--([a-z0-9-]+)/.exec(message)?.[1] ?? '';
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

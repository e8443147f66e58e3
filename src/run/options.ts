// Every option of a run, defined once: its name, type, default, range, one-line help, and
// whether the run's record keeps it. The command line (cli/trainOptions.ts), the library's
// `train()`, the studio's request check and its form, and docs/options.md all derive from
// OPTIONS below. No Node.js and no commander here: the studio's page bundles this module too.
//
//   text or JSON value ──checkValue──▶ typed value ──resolveOptions──▶ the options a run uses
//                       (optionValues.ts)                (optionRules.ts: defaults that depend on
//                                                         other options, presets, refusals)

import { ENGINES, type EngineName } from '../wasm/engineNames.js';
import { KERNEL_CHOICES } from '../wasm/kernelNames.js';

// ---- the choices and defaults the rules use ----

// (the lists of model/activations.ts, train/losses.ts and train/optimizers.ts, spelled here so
// that the page's bundle and its type check do not carry the engines; test/options.test.ts
// holds them equal)
export const ACTIVATION_CHOICES = ['relu', 'sigmoid', 'tanh'] as const;
export const LOSS_CHOICES = ['cross-entropy', 'mse'] as const;
export const OPTIMIZER_CHOICES = ['sgd', 'momentum', 'adam'] as const;
export const SCHEDULE_CHOICES = ['constant', 'step', 'cosine'] as const;
type ActivationName = (typeof ACTIVATION_CHOICES)[number];
type LossName = (typeof LOSS_CHOICES)[number];
type OptimizerName = (typeof OPTIMIZER_CHOICES)[number];
type LearningRateSchedule = (typeof SCHEDULE_CHOICES)[number];
/** Momentum's and Adam's defaults (train/optimizers.ts OPTIMIZER_DEFAULTS). */
export const OPTIMIZER_SETTINGS = { momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

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
export const SOLVERS: readonly SolverName[] = [...OPTIMIZER_CHOICES, 'lbfgs'];

/** The first step L-BFGS's line search tries (its own scale: it needs no learning rate). */
export const LBFGS_FIRST_STEP = 1;

export type KeepRule = 'best' | 'last';
export const KEEP_RULES: readonly KeepRule[] = ['best', 'last'];
export const INITS = ['auto', 'zeros', 'xavier', 'he'] as const;
type Init = Exclude<(typeof INITS)[number], 'auto'>;

/** The event log's default: about this many lines an epoch. */
export const LOG_LINES_PER_EPOCH = 50;

// ---- the schema ----

/**
 * Where an option belongs. `run`: the run's own, recorded (checkpoint.json, metrics.json,
 * model.json) and restored by a resume. `process`: how this process trains it (the library's
 * options take these too). `placement`: where it goes (the library's second argument).
 * `output`: what the command line prints.
 */
export type OptionScope = 'run' | 'process' | 'placement' | 'output';

export type OptionKind = 'integer' | 'number' | 'fraction' | 'choice' | 'list' | 'boolean' | 'text';

export interface OptionSpec {
  /** As in JSON and metrics.json's config: camelCase. */
  name: string;
  /** The command line's: `--batch-size`, `--no-shuffle`. */
  flag: string;
  /** The value's placeholder in --help (`<n>`); none for a switch. */
  argument?: string;
  /** The studio form's words for it. */
  label: string;
  kind: OptionKind;
  /** integer, number and list: the least value (numbers: above it, unless `inclusive`). */
  min?: number;
  max?: number;
  inclusive?: boolean;
  choices?: readonly string[];
  /** The default when it is one value; undefined when there is none or it depends (below). */
  default?: unknown;
  /** How --help and docs describe the default when it is not simply the value. */
  defaultText?: string;
  help: string;
  /**
   * A switch whose flag turns it off (`--no-shuffle`): what it does when on, the form's ticked
   * box (its help says what the flag does).
   */
  whenOn?: string;
  scope: OptionScope;
  /** The studio's page may set it (every `run` option may). */
  studio?: boolean;
}

const DATA_HELP =
  'data folder with the four MNIST IDX files (.gz allowed), or "mnist" (embedded), or "fashion" (Debian\'s dataset-fashion-mnist)';
export const DATA_OPTION_HELP = DATA_HELP;

const option = (spec: Omit<OptionSpec, 'flag'> & { flag?: string }): OptionSpec => ({
  flag: spec.flag ?? flagOf(spec.name),
  ...spec,
});

/** The options of `train`, in the order --help lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  option({
    name: 'data',
    argument: '<dir>',
    label: 'data',
    kind: 'text',
    default: 'mnist',
    help: DATA_HELP,
    scope: 'run',
  }),
  option({
    name: 'epochs',
    argument: '<n>',
    label: 'epochs',
    kind: 'integer',
    min: 1,
    defaultText: `${DEFAULT_EPOCHS.softmaxRegression} for softmax regression, ${DEFAULT_EPOCHS.hidden} with hidden layers`,
    help:
      `passes over the training set (default: ${DEFAULT_EPOCHS.softmaxRegression} for softmax ` +
      `regression, ${DEFAULT_EPOCHS.hidden} with hidden layers)`,
    scope: 'run',
  }),
  option({
    name: 'batchSize',
    argument: '<n>',
    label: 'batch size',
    kind: 'integer',
    min: 1,
    default: 100,
    help: 'samples per step',
    scope: 'run',
  }),
  option({
    name: 'lr',
    argument: '<rate>',
    label: 'learning rate',
    kind: 'number',
    min: 0,
    defaultText: OPTIMIZER_CHOICES.map(
      (name) => `${DEFAULT_LEARNING_RATES[name]} for ${name}`,
    ).join(', '),
    help:
      'learning rate (default: ' +
      OPTIMIZER_CHOICES.map((name) => `${DEFAULT_LEARNING_RATES[name]} for ${name}`).join(', ') +
      ')',
    scope: 'run',
  }),
  option({
    name: 'seed',
    argument: '<n>',
    label: 'seed',
    kind: 'integer',
    min: 0,
    max: 2 ** 32 - 1,
    default: 1,
    help: 'seed of shuffling and initial weights',
    scope: 'run',
  }),
  option({
    name: 'shuffle',
    flag: '--no-shuffle',
    label: 'shuffle',
    kind: 'boolean',
    default: true,
    help: 'keep the training set in file order',
    whenOn: 'shuffle the training set before each epoch (untick: keep it in file order)',
    scope: 'run',
  }),
  option({
    name: 'trainLimit',
    argument: '<n>',
    label: 'training images',
    kind: 'integer',
    min: 1,
    defaultText: 'all',
    help: 'use only the first N training images',
    scope: 'run',
  }),
  option({
    name: 'testLimit',
    argument: '<n>',
    label: 'test images',
    kind: 'integer',
    min: 1,
    defaultText: 'all',
    help: 'use only the first N test images',
    scope: 'run',
  }),
  option({
    name: 'steps',
    argument: '<n>',
    label: 'steps',
    kind: 'integer',
    min: 1,
    defaultText: 'all of the epochs',
    help: 'stop after N steps in all (overrides --epochs)',
    scope: 'run',
  }),
  option({
    name: 'hidden',
    argument: '<sizes>',
    label: 'hidden layers',
    kind: 'list',
    min: 1,
    default: [],
    defaultText: 'none: softmax regression',
    help: 'hidden dense layers, e.g. 256 or 512,256',
    scope: 'run',
  }),
  option({
    name: 'activation',
    argument: '<name>',
    label: 'activation',
    kind: 'choice',
    choices: ACTIVATION_CHOICES,
    default: 'relu',
    help: 'activation of the hidden layers',
    scope: 'run',
  }),
  option({
    name: 'batchnorm',
    label: 'BatchNorm',
    kind: 'boolean',
    default: false,
    help: 'BatchNorm after each hidden dense layer, before its activation',
    scope: 'run',
  }),
  option({
    name: 'init',
    argument: '<scheme>',
    label: 'initial weights',
    kind: 'choice',
    choices: INITS,
    default: 'auto',
    defaultText: 'zeros for softmax regression; he before ReLU, xavier elsewhere',
    help: "initial weights: zeros (as TensorFlow's tutorial), xavier (Glorot uniform), he (He uniform)",
    scope: 'run',
  }),
  option({
    name: 'loss',
    argument: '<name>',
    label: 'loss',
    kind: 'choice',
    choices: LOSS_CHOICES,
    default: 'cross-entropy',
    help: 'cross-entropy, or mse (squared error of the softmax output)',
    scope: 'run',
  }),
  option({
    name: 'optimizer',
    argument: '<name>',
    label: 'optimizer',
    kind: 'choice',
    choices: SOLVERS,
    default: 'adam',
    help:
      'sgd, momentum, adam, or lbfgs (full-batch L-BFGS, softmax regression only; --epochs ' +
      `counts its iterations, default ${DEFAULT_EPOCHS.lbfgsIterations})`,
    scope: 'run',
  }),
  option({
    name: 'momentum',
    argument: '<mu>',
    label: 'momentum',
    kind: 'fraction',
    default: OPTIMIZER_SETTINGS.momentum,
    help: 'momentum of --optimizer momentum',
    scope: 'run',
  }),
  option({
    name: 'beta1',
    argument: '<b>',
    label: 'Adam beta1',
    kind: 'fraction',
    default: OPTIMIZER_SETTINGS.beta1,
    help: "Adam's beta1",
    scope: 'run',
  }),
  option({
    name: 'beta2',
    argument: '<b>',
    label: 'Adam beta2',
    kind: 'fraction',
    default: OPTIMIZER_SETTINGS.beta2,
    help: "Adam's beta2",
    scope: 'run',
  }),
  // float32 holds little below 1e-30: a smaller ε is 0, and Adam divides by √v̂ + ε
  option({
    name: 'adamEpsilon',
    argument: '<e>',
    label: 'Adam epsilon',
    kind: 'number',
    min: 1e-30,
    inclusive: true,
    default: OPTIMIZER_SETTINGS.epsilon,
    help: "Adam's epsilon",
    scope: 'run',
  }),
  option({
    name: 'weightDecay',
    argument: '<lambda>',
    label: 'weight decay',
    kind: 'number',
    min: 0,
    inclusive: true,
    default: 0,
    help: "L2 weight decay: adds lambda · W to the dense weights' gradient",
    scope: 'run',
  }),
  option({
    name: 'lrSchedule',
    argument: '<name>',
    label: 'schedule',
    kind: 'choice',
    choices: SCHEDULE_CHOICES,
    default: 'cosine',
    help: 'constant; step (÷10 after 1/2 and 3/4 of the epochs); cosine',
    scope: 'run',
  }),
  option({
    name: 'valSplit',
    argument: '<f>',
    label: 'validation split',
    kind: 'fraction',
    default: 0,
    help: 'share of the training images held out (seeded) to choose the epoch kept, 0 for none',
    scope: 'run',
  }),
  option({
    name: 'keep',
    argument: '<epoch>',
    label: 'epoch kept',
    kind: 'choice',
    choices: KEEP_RULES,
    defaultText: 'best with --val-split, else last',
    help: 'the epoch model.json holds: best (validation accuracy) or last (default: best with --val-split, else last)',
    scope: 'run',
  }),
  option({
    name: 'earlyStop',
    argument: '<n>',
    label: 'early stop',
    kind: 'integer',
    min: 1,
    help: 'stop after N epochs without a better validation accuracy (needs --val-split)',
    scope: 'run',
  }),
  option({
    name: 'logEvery',
    argument: '<n>',
    label: 'log every',
    kind: 'integer',
    min: 0,
    defaultText: 'about 50 lines an epoch: 12 on MNIST with batches of 100',
    help:
      'steps between the lines of events.jsonl, 0 for none (default: about 50 lines an epoch: 12 ' +
      'on MNIST with batches of 100)',
    scope: 'run',
  }),
  option({
    name: 'out',
    argument: '<dir>',
    label: 'run folder',
    kind: 'text',
    defaultText: 'runs/<timestamp>',
    help: 'run folder for metrics.json, metrics.csv, model.json (default: runs/<timestamp>)',
    scope: 'placement',
  }),
  option({
    name: 'force',
    label: 'force',
    kind: 'boolean',
    default: false,
    help: 'write into a run folder that already holds files',
    scope: 'placement',
  }),
  option({
    name: 'progress',
    flag: '--no-progress',
    label: 'progress',
    kind: 'boolean',
    default: true,
    help: 'print one line per epoch instead of a progress bar',
    whenOn: 'draw a progress bar (off: one line per epoch)',
    scope: 'output',
  }),
  option({
    name: 'json',
    label: 'json',
    kind: 'boolean',
    default: false,
    help: 'print one JSON object with the results on stdout',
    scope: 'output',
  }),
  option({
    name: 'preset',
    argument: '<name>',
    label: 'preset',
    kind: 'choice',
    choices: ['tf-beginners'],
    help: "tf-beginners: zeros, SGD 0.5, batch 100, exactly 1000 steps (TensorFlow's tutorial); overrides those options",
    scope: 'run',
  }),
  option({
    name: 'engine',
    argument: '<name>',
    label: 'engine',
    kind: 'choice',
    choices: ENGINES,
    default: 'wasm',
    help: 'wasm (SIMD kernels) or reference (the readable TypeScript)',
    scope: 'process',
    studio: true,
  }),
  option({
    name: 'threads',
    argument: '<n>',
    label: 'threads',
    kind: 'integer',
    min: 1,
    max: 64,
    defaultText: 'the number of cores',
    help: 'threads of the wasm engine (results do not depend on it)',
    scope: 'placement',
  }),
  option({
    name: 'kernels',
    argument: '<which>',
    label: 'kernels',
    kind: 'choice',
    choices: KERNEL_CHOICES,
    default: 'auto',
    help: "the wasm engine's kernels: exact (a multiply and an add, each rounded, as the reference), relaxed (fused multiply-add, Node 22 and later), auto (relaxed where the runtime has it); metrics.json says which ran",
    scope: 'placement',
  }),
  option({
    name: 'checkTfjs',
    label: 'check against tfjs',
    kind: 'boolean',
    default: false,
    help: 'train the same model in TensorFlow.js alongside and compare weights after each epoch',
    scope: 'process',
  }),
  option({
    name: 'resume',
    argument: '<dir>',
    label: 'resume',
    kind: 'text',
    help: 'continue an interrupted run from its checkpoint, with its own options (--epochs may extend it)',
    scope: 'placement',
  }),
];

export const OPTIONS_BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((spec) => [spec.name, spec]),
);

/** The options the run's record keeps (checkpoint.json's `options`). */
export const RUN_OPTION_NAMES: readonly string[] = OPTIONS.filter((s) => s.scope === 'run').map(
  (s) => s.name,
);

/** `--adam-epsilon` for `adamEpsilon`. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

// ---- the options' types ----

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
  /** Steps between the lines of events.jsonl (0: none); default about 50 lines an epoch. */
  logEvery?: number;
  /** The share of the training set held out for validation (0: none). */
  valSplit: number;
  /** The epoch model.json holds; default best with a validation split, else last. */
  keep?: KeepRule;
  /** Stop after this many epochs without a better validation accuracy. */
  earlyStop?: number;
}

/** How this process trains a run (not recorded: a resume may choose again). */
export interface ProcessOptions {
  engine: EngineName;
  /** Train the same model in TensorFlow.js alongside (the caller supplies it, RunHooks). */
  checkTfjs: boolean;
}

/** The library's `train()` options: the run's own and how this process trains it. */
export type TrainOptions = RunOptions & ProcessOptions;

/** Every option's default, as the schema gives it: the CLI's help shows these. */
export const RUN_DEFAULTS = Object.fromEntries(
  OPTIONS.filter(
    (s) => (s.scope === 'run' || s.scope === 'process') && s.default !== undefined,
  ).map((s) => [s.name, s.default]),
) as Omit<TrainOptions, 'lr' | 'epochs'>;

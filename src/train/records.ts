// What a run records, as types: a finished epoch's metrics (metrics.jsonl), the lines of its event
// log (events.jsonl). No code and no imports, so the browser pages share them.

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  steps: number;
  /** The rate of the epoch's last step. */
  learningRate: number;
  /**
   * The rate of the epoch's first step, where a rate set by hand during the epoch (the studio's
   * controls) made it differ from the last; absent otherwise.
   */
  firstLearningRate?: number;
  /** Mean over the epoch's steps of ‖∂L/∂W‖₂ of each dense layer, first to last. */
  gradientNorms: number[];
  /** The held-out validation split after the epoch (with `--val-split`). */
  validationLoss?: number;
  validationAccuracy?: number;
}

/** One line of metrics.jsonl: an epoch's metrics, and the tfjs cross-check's where it ran. */
export type HistoryLine = EpochMetrics & { tfjsCheck?: Record<string, unknown> };

/**
 * What the last `logEvery` steps looked like (fewer at the end of an epoch: windows start with
 * each epoch, so a resumed run logs the same windows). A line of events.jsonl.
 */
export interface StepLog {
  step: number;
  epoch: number;
  /** How far into the epoch, (batch) / (batches of a full epoch). */
  epochFraction: number;
  /** Mean loss and accuracy of the window's batches, before each update. */
  loss: number;
  accuracy: number;
  learningRate: number;
  /** Mean over the window of ‖∂L/∂W‖₂, for each dense layer, first to last. */
  gradientNorms: number[];
  /** ‖W‖₂ after the window's last update, for each dense layer. */
  weightNorms: number[];
  /** For each hidden layer, the share of units passing no gradient (dead or saturated). */
  saturation: number[];
  /**
   * For each hidden layer, in the window's last batch: the mean and standard deviation of the
   * pre-activations x (what enters the activation, after BatchNorm where there is one), and the
   * mean activation derivative ∂y/∂x (sigmoid y(1 − y), tanh 1 − y², relu the share active).
   * Absent from logs written before they were added.
   */
  preActivationMean?: number[];
  preActivationSd?: number[];
  activationSlope?: number[];
}

/** The first line of a run's log, and of each resume: what runs, who runs it, since when. */
export interface StartEvent {
  type: 'start';
  step: number;
  epoch: number;
  config: Record<string, unknown>;
  pid: number;
  time: string;
}

export type StepEvent = { type: 'step' } & StepLog;

export interface EpochEvent {
  type: 'epoch';
  step: number;
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

/** The last line of a run that ended (none after a kill -9): how it ended. */
export interface EndEvent {
  type: 'end';
  step: number;
  epoch: number;
  status: 'finished' | 'interrupted' | 'failed';
  message?: string;
  time: string;
}

/**
 * A control accepted from the studio before the step after `step`: pause, resume, step (one
 * batch while paused), or lr (the rate of every later step, rates.ts).
 */
export interface ControlEvent {
  type: 'control';
  step: number;
  action: ControlAction;
  lr?: number;
}

export type ControlAction = 'pause' | 'resume' | 'step' | 'lr';
export const CONTROL_ACTIONS: readonly ControlAction[] = ['pause', 'resume', 'step', 'lr'];

export type EventLine = StartEvent | StepEvent | EpochEvent | EndEvent | ControlEvent;

/**
 * How a run stands: running (a live process holds its folder); finished, interrupted, failed (as
 * its log ends); stopped (killed: neither a live holder nor an end).
 */
export type RunStatus = 'running' | 'finished' | 'interrupted' | 'failed' | 'stopped';

/**
 * What a reader (`compare`, the studio) relies on in each kind of line, checked as a line is read
 * back, since a user can edit the files: `number` also allows null (JSON's NaN), `?` marks a
 * field that may be absent.
 */
const SHAPES = {
  start: { config: 'object' },
  step: {
    loss: 'number',
    accuracy: 'number',
    gradientNorms: 'numbers',
    weightNorms: 'numbers',
    saturation: 'numbers',
    preActivationMean: 'numbers?',
    preActivationSd: 'numbers?',
    activationSlope: 'numbers?',
  },
  epoch: {
    testLoss: 'number',
    testAccuracy: 'number',
    validationLoss: 'number?',
    validationAccuracy: 'number?',
  },
  end: { status: 'status', message: 'string?' },
  control: { action: 'action', lr: 'number?' },
  history: {
    epoch: 'number',
    steps: 'number',
    trainLoss: 'number',
    trainAccuracy: 'number',
    testLoss: 'number',
    testAccuracy: 'number',
    gradientNorms: 'numbers',
    validationLoss: 'number?',
    validationAccuracy: 'number?',
  },
} as const;

const isNumber = (value: unknown) => value === null || typeof value === 'number';
const isObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each kind of field: its test, and what it should be, for the message. */
const KINDS: Record<string, [(value: unknown) => boolean, string]> = {
  number: [isNumber, 'a number'],
  numbers: [(value) => Array.isArray(value) && value.every(isNumber), 'a list of numbers'],
  object: [isObject, 'an object'],
  string: [(value) => typeof value === 'string', 'a string'],
  status: [(value) => ['finished', 'interrupted', 'failed'].includes(value as string), 'an end'],
  action: [(value) => CONTROL_ACTIONS.includes(value as ControlAction), 'a control'],
};

/** A value as a message quotes it: JSON, cut short. */
const quoted = (value: unknown) => String(JSON.stringify(value)).slice(0, 40);

/**
 * What is wrong with a parsed line of events.jsonl (`event`) or metrics.jsonl (`history`), in a
 * few words; null when it has what readers use.
 */
export function recordProblem(value: unknown, file: 'event' | 'history'): string | null {
  if (!isObject(value)) return `not an object (${quoted(value)})`;
  const line = value as Record<string, unknown>;
  const counter = file === 'event' ? 'step' : 'epoch';
  if (typeof line[counter] !== 'number') return `its "${counter}" is not a number`;
  const type = file === 'event' ? line.type : 'history';
  const fields = typeof type === 'string' && Object.hasOwn(SHAPES, type) ? CHECKS[type] : null;
  if (!fields) return `an unknown type ${quoted(type)}`;
  for (const { name, optional, test, should } of fields) {
    if (optional && line[name] === undefined) continue;
    if (!test(line[name])) return `its "${name}" is not ${should} (${quoted(line[name])})`;
  }
  return null;
}

/** SHAPES as a list of checks for each type, made once. */
const CHECKS = Object.fromEntries(
  Object.entries(SHAPES).map(([type, fields]) => [
    type,
    Object.entries(fields).map(([name, kind]: [string, string]) => {
      const [test, should] = KINDS[kind.replace('?', '')];
      return { name, optional: kind.endsWith('?'), test, should };
    }),
  ]),
);

/** A parameter of a step laid open (batchInside.ts): its norms; tensors whole for softmax regression. */
export interface SteppedParameter {
  layer: number;
  type: string;
  name: string;
  shape: number[];
  normBefore: number;
  normAfter: number;
  gradientNorm: number;
  updateNorm: number;
  before?: number[];
  gradient?: number[];
  update?: number[];
  after?: number[];
}

/**
 * step.json: the inside of the last step a run took by Step (train/batchInside.ts, which says
 * what each field holds), typed arrays as lists and the images as base64 bytes.
 */
export interface SteppedBatch {
  step: number;
  epoch: number;
  batch: number;
  loss: 'cross-entropy' | 'mse';
  learningRate: number;
  optimizer: {
    name: 'sgd' | 'momentum' | 'adam';
    momentum: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    weightDecay: number;
    t: number;
  };
  classes: string[];
  size: number;
  lossBefore: number;
  lossAfter: number;
  height: number;
  width: number;
  indices: number[];
  labels: number[];
  pixels: string;
  probabilitiesBefore: number[];
  probabilitiesAfter: number[];
  lossesBefore: number[];
  lossesAfter: number[];
  parameters: SteppedParameter[];
}

/** A run as read from its folder (run/runReader.ts): what `compare` and the studio show. */
export interface RunRecord {
  /** The folder's absolute path. */
  folder: string;
  /** Its name: the run's id in the studio. */
  id: string;
  /** Its options, as metrics.json records them (or the event log, before a first epoch). */
  config: Record<string, unknown>;
  status: RunStatus;
  /** The end's message for interrupted and failed runs. */
  message?: string;
  history: HistoryLine[];
  /** Its event log, the step lines merged into wider windows for a long one (stepWindows.ts). */
  events: EventLine[];
  /** The log's step windows in each of `events`' step lines. */
  stepStride: number;
}

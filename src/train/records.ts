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
  learningRate: number;
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

export type EventLine = StartEvent | StepEvent | EpochEvent | EndEvent;

/**
 * How a run stands: running (a live process holds its folder); finished, interrupted, failed (as
 * its log ends); stopped (killed: neither a live holder nor an end).
 */
export type RunStatus = 'running' | 'finished' | 'interrupted' | 'failed' | 'stopped';

// A run's curves as the report, `compare` and the studio draw them: every series against the
// step, with each point's epoch and elapsed training time (so the charts can use either as x).
// Plain data (no Node.js, no DOM), so the browser pages use it too.

import type { EventLine, HistoryLine } from '../train/records.js';

export interface RunCurves {
  /** Steps of the training points: the event log's lines, or each epoch's end without one. */
  steps: number[];
  /** The same points in epochs: e − 1 + (the share of epoch e done), 1 at the first epoch's end. */
  epochs: number[];
  /**
   * The same points in seconds of training (metrics' `seconds`, summed over the epochs before
   * and spread evenly over the epoch's batches); null in an epoch not finished yet.
   */
  seconds: (number | null)[];
  /** Mean train loss and accuracy of the steps since the point before. */
  trainLoss: number[];
  trainAccuracy: number[];
  /** The test set after each epoch, at the epoch's last step. */
  testSteps: number[];
  testEpochs: number[];
  testSeconds: (number | null)[];
  testLoss: number[];
  testAccuracy: number[];
  /** The validation split at the same steps (empty without one). */
  validationLoss: number[];
  validationAccuracy: number[];
  /** For each dense layer, first to last: ‖∂L/∂W‖₂ at `steps`. */
  gradientNorms: number[][];
  /** For each dense layer: ‖W‖₂ at `steps` (empty without an event log). */
  weightNorms: number[][];
  /** For each hidden layer: the share of dead or saturated units at `steps` (likewise). */
  saturation: number[][];
}

/** Rows of arrays → arrays of rows: [[a1, b1], [a2, b2]] → [[a1, a2], [b1, b2]]. */
function columns(rows: number[][]): number[][] {
  const width = rows[0]?.length ?? 0;
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c]));
}

/**
 * Seconds of training at (epoch e, share f of it done): the seconds of epochs 1…e−1 plus f times
 * epoch e's, from the history (one line per finished epoch); null if epoch e is not in it.
 */
function elapsed(history: HistoryLine[]): (epoch: number, fraction: number) => number | null {
  const before = new Map<number, number>();
  const took = new Map<number, number>();
  let sum = 0;
  for (const line of history) {
    before.set(line.epoch, sum);
    took.set(line.epoch, line.seconds);
    sum += line.seconds;
  }
  return (epoch, fraction) => {
    const start = before.get(epoch);
    // to the millisecond: the pages embed thousands of these
    return start === undefined
      ? null
      : Math.round(1000 * (start + fraction * took.get(epoch)!)) / 1000;
  };
}

/** A run's curves from its event log, or (a run without one) from its per-epoch history. */
export function runCurves(events: EventLine[], history: HistoryLine[]): RunCurves {
  const time = elapsed(history);
  const logged = events.filter((line) => line.type === 'step');
  const epochs = events.filter((line) => line.type === 'epoch');
  const tests = epochs.length > 0 ? epochs : history.map((m) => ({ ...m, step: m.steps }));
  const validated = tests.every((m) => m.validationAccuracy !== undefined) ? tests : [];
  const train =
    logged.length > 0
      ? logged
      : history.map((m) => ({
          step: m.steps,
          epoch: m.epoch,
          epochFraction: 1,
          loss: m.trainLoss,
          accuracy: m.trainAccuracy,
          gradientNorms: m.gradientNorms,
          weightNorms: [],
          saturation: [],
        }));
  return {
    steps: train.map((point) => point.step),
    epochs: train.map((point) => +(point.epoch - 1 + point.epochFraction).toPrecision(6)),
    seconds: train.map((point) => time(point.epoch, point.epochFraction)),
    trainLoss: train.map((point) => point.loss),
    trainAccuracy: train.map((point) => point.accuracy),
    testSteps: tests.map((m) => m.step),
    testEpochs: tests.map((m) => m.epoch),
    testSeconds: tests.map((m) => time(m.epoch, 1)),
    testLoss: tests.map((m) => m.testLoss),
    testAccuracy: tests.map((m) => m.testAccuracy),
    validationLoss: validated.map((m) => m.validationLoss!),
    validationAccuracy: validated.map((m) => m.validationAccuracy!),
    gradientNorms: columns(train.map((point) => point.gradientNorms)),
    weightNorms: columns(train.map((point) => point.weightNorms)),
    saturation: columns(train.map((point) => point.saturation)),
  };
}

/** Several runs' curves, point by point: their mean, and the lowest and highest value. */
export interface CurvesBand {
  mean: RunCurves;
  low: RunCurves;
  high: RunCurves;
}

/**
 * Runs of one configuration (different seeds): the same steps, so their points align. Each
 * series is cut to the shortest run's (a run still going, or stopped early).
 */
export function curvesBand(runs: RunCurves[]): CurvesBand {
  const reduce = (pick: (curves: RunCurves) => number[], how: (values: number[]) => number) => {
    const arrays = runs.map(pick);
    const length = Math.min(...arrays.map((array) => array.length));
    return Array.from({ length }, (_, i) => how(arrays.map((array) => array[i])));
  };
  const layers = (pick: (curves: RunCurves) => number[][]) =>
    Math.min(...runs.map((curves) => pick(curves).length));
  const first = (v: number[]) => v[0];
  // the runs' mean time, unknown if one's is
  const meanTime = (pick: (curves: RunCurves) => (number | null)[]) =>
    reduce(
      (c) => pick(c).map((v) => v ?? NaN),
      (v) => v.reduce((a, b) => a + b, 0) / v.length,
    ).map((v) => (Number.isNaN(v) ? null : v));
  const combine = (how: (values: number[]) => number): RunCurves => ({
    steps: reduce((c) => c.steps, first),
    epochs: reduce((c) => c.epochs, first),
    seconds: meanTime((c) => c.seconds),
    trainLoss: reduce((c) => c.trainLoss, how),
    trainAccuracy: reduce((c) => c.trainAccuracy, how),
    testSteps: reduce((c) => c.testSteps, first),
    testEpochs: reduce((c) => c.testEpochs, first),
    testSeconds: meanTime((c) => c.testSeconds),
    testLoss: reduce((c) => c.testLoss, how),
    testAccuracy: reduce((c) => c.testAccuracy, how),
    validationLoss: reduce((c) => c.validationLoss, how),
    validationAccuracy: reduce((c) => c.validationAccuracy, how),
    gradientNorms: Array.from({ length: layers((c) => c.gradientNorms) }, (_, l) =>
      reduce((c) => c.gradientNorms[l], how),
    ),
    weightNorms: Array.from({ length: layers((c) => c.weightNorms) }, (_, l) =>
      reduce((c) => c.weightNorms[l], how),
    ),
    saturation: Array.from({ length: layers((c) => c.saturation) }, (_, l) =>
      reduce((c) => c.saturation[l], how),
    ),
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    mean: combine(mean),
    low: combine((values) => Math.min(...values)),
    high: combine((values) => Math.max(...values)),
  };
}

/** One line (a run) or band (a group of seeds) of a comparison, as the pages draw it. */
export interface CurvesEntry {
  label: string;
  /** The run folders drawn: one, or a group's. */
  runs: string[];
  curves: RunCurves;
  /** A group's lowest and highest values (absent for a single run). */
  low?: RunCurves;
  high?: RunCurves;
  /** Where each of `runs`' files are, ending in '/' (metrics.csv etc. are linked from there). */
  files?: string[];
}

/** Runs side by side (`compare --json`, the studio): see report/compare.ts. */
export interface ComparedRun {
  folder: string;
  id: string;
  status: string;
  config: Record<string, unknown>;
  /** The last finished epoch's figures (null before the first). */
  epochs: number;
  steps: number;
  testAccuracy: number | null;
  testLoss: number | null;
}

export interface Comparison {
  runs: ComparedRun[];
  /** Options whose values differ between the runs, in the order of the configurations. */
  differing: string[];
  /** What is drawn: one entry per group of seeds, or per run. */
  entries: CurvesEntry[];
}

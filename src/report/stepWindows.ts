// A long event log as a page draws it: its step lines merged into fewer, wider windows, so that
// reading a log of any length (`compare`, the studio) keeps at most MAX_STEP_LINES of them.
//
// A step line describes a window of steps ending at `step` (records.ts, StepLog). Two adjacent
// windows make one: loss, accuracy and gradient norms are means over the window's steps, so the
// wider window's are the two means weighted by their steps; the learning rate, the weight norms,
// the saturation and the pre-activation statistics are those at the window's end, so the later window's. Kept lines always hold
// `stride` of the log's windows (the last one up to that many), counted from the log's first, so
// two logs of the same steps brought to the same stride hold the same windows: a group of seeds
// stays aligned point by point.

import type { StepEvent } from '../train/records.js';

/** At most this many step lines are kept (a page is a few thousand pixels wide). */
export const MAX_STEP_LINES = 4096;

/** JSON writes NaN as null. */
const value = (x: number | null): number => x ?? NaN;

/**
 * Adjacent windows a and b as one, written into a: a covers the steps after `from` up to a.step,
 * b those after a.step up to b.step. Weighted by those counts of steps (equally if neither has
 * any).
 */
export function mergeWindows(a: StepEvent, b: StepEvent, from: number): void {
  const spanA = Math.max(0, a.step - from);
  const spanB = Math.max(0, b.step - a.step);
  const total = spanA + spanB;
  const weightA = total > 0 ? spanA / total : 0.5;
  const mean = (x: number, y: number) => weightA * value(x) + (1 - weightA) * value(y);
  a.loss = mean(a.loss, b.loss);
  a.accuracy = mean(a.accuracy, b.accuracy);
  a.gradientNorms = b.gradientNorms.map((norm, l) => mean(a.gradientNorms[l], norm));
  a.step = b.step;
  a.epoch = b.epoch;
  a.epochFraction = b.epochFraction;
  a.learningRate = b.learningRate;
  a.weightNorms = b.weightNorms;
  a.saturation = b.saturation;
  a.preActivationMean = b.preActivationMean;
  a.preActivationSd = b.preActivationSd;
  a.activationSlope = b.activationSlope;
}

/** The log's step lines, as they are read, merged to at most MAX_STEP_LINES. */
export class StepWindows {
  /** The log's windows in each kept line: 1, doubled each time the lines pass the limit. */
  stride = 1;
  readonly lines: StepEvent[] = [];
  /** Each kept line's place in the log: the line number of its last window. */
  readonly at: number[] = [];
  /** The log's windows merged into the last line so far. */
  private inLast = 0;

  add(line: StepEvent, number: number): void {
    const last = this.lines.length - 1;
    if (last >= 0 && this.inLast < this.stride) {
      mergeWindows(this.lines[last], line, this.lines[last - 1]?.step ?? 0);
      this.at[last] = number;
      this.inLast += 1;
      return;
    }
    this.lines.push(line);
    this.at.push(number);
    this.inLast = 1;
    if (this.lines.length > MAX_STEP_LINES) this.halve();
  }

  /**
   * Lines 2i and 2i+1 (`stride` windows each) as one. Called as a line has just begun the odd
   * count MAX_STEP_LINES + 1: that one stays alone, the first of the wider stride.
   */
  private halve(): void {
    const pairs = (this.lines.length - 1) / 2;
    for (let i = 0; i < pairs; i++) {
      const from = i > 0 ? this.lines[2 * i - 1].step : 0;
      mergeWindows(this.lines[2 * i], this.lines[2 * i + 1], from);
      this.lines[i] = this.lines[2 * i];
      this.at[i] = this.at[2 * i + 1];
    }
    this.lines[pairs] = this.lines[2 * pairs];
    this.at[pairs] = this.at[2 * pairs];
    this.lines.length = pairs + 1;
    this.at.length = pairs + 1;
    this.stride *= 2;
  }
}

/** Lines that hold `stride` windows each, merged `factor` at a time (to a wider stride). */
export function coarsenWindows(lines: StepEvent[], factor: number): StepEvent[] {
  const merged: StepEvent[] = [];
  for (let i = 0; i < lines.length; i += factor) {
    const from = i > 0 ? lines[i - 1].step : 0;
    const window = { ...lines[i] }; // the lines are left as they are
    for (let j = i + 1; j < Math.min(i + factor, lines.length); j++) {
      mergeWindows(window, lines[j], from);
    }
    merged.push(window);
  }
  return merged;
}

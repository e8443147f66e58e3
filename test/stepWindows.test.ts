// A long event log's step lines merged into wider windows (what compare and the studio keep):
// at most MAX_STEP_LINES, the means over the steps unchanged, and two logs of the same steps
// aligned window for window once brought to the same stride.

import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../src/train/records.js';
import { coarsenWindows, MAX_STEP_LINES, StepWindows } from '../src/report/stepWindows.js';

/** Windows of 12 steps, the last of each 600-step epoch shorter (as a run logs them). */
function stepLines(count: number): StepEvent[] {
  const lines: StepEvent[] = [];
  let step = 0;
  for (let i = 0; i < count; i++) {
    step += i % 51 === 50 ? 5 : 12;
    lines.push({
      type: 'step',
      step,
      epoch: Math.floor(i / 51) + 1,
      epochFraction: 0,
      loss: 2 / Math.sqrt(step) + (i % 3) * 0.01,
      accuracy: 1 - 1 / Math.sqrt(step),
      learningRate: 0.1 / step,
      gradientNorms: [1 / step, 2 / step],
      weightNorms: [step, 2 * step],
      saturation: [0.5],
    });
  }
  return lines;
}

function thinned(lines: StepEvent[]): StepWindows {
  const windows = new StepWindows();
  lines.forEach((line, i) => windows.add(structuredClone(line), i + 1));
  return windows;
}

/** The mean of a series over the steps: each window's value weighted by its steps. */
function meanOverSteps(lines: StepEvent[], pick: (line: StepEvent) => number): number {
  let sum = 0;
  lines.forEach((line, i) => (sum += pick(line) * (line.step - (lines[i - 1]?.step ?? 0))));
  return sum / lines[lines.length - 1].step;
}

describe('StepWindows', () => {
  it('keeps a short log as it is', () => {
    const lines = stepLines(MAX_STEP_LINES);
    const windows = thinned(lines);
    expect(windows.stride).toBe(1);
    expect(windows.lines).toEqual(lines);
  });

  it('merges a long log into at most MAX_STEP_LINES windows with the same means', () => {
    const lines = stepLines(50_000);
    const windows = thinned(lines);
    expect(windows.stride).toBe(16);
    expect(windows.lines.length).toBeLessThanOrEqual(MAX_STEP_LINES);
    expect(windows.lines.length).toBe(Math.ceil(50_000 / 16));
    expect(windows.at[windows.at.length - 1]).toBe(50_000);
    const last = windows.lines[windows.lines.length - 1];
    expect(last.step).toBe(lines[lines.length - 1].step);
    expect(last.weightNorms).toEqual(lines[lines.length - 1].weightNorms); // at the window's end
    for (const pick of [
      (line: StepEvent) => line.loss,
      (line: StepEvent) => line.accuracy,
      (line: StepEvent) => line.gradientNorms[1],
    ]) {
      expect(meanOverSteps(windows.lines, pick)).toBeCloseTo(meanOverSteps(lines, pick), 12);
    }
    // each merged window is the mean over its own steps: the 3rd holds the log's 33rd to 48th
    const third = lines.slice(32, 48);
    const steps = third[15].step - lines[31].step;
    const loss = third.reduce((sum, line, i) => {
      return sum + line.loss * (line.step - (i ? third[i - 1].step : lines[31].step));
    }, 0);
    expect(windows.lines[2].loss).toBeCloseTo(loss / steps, 12);
  });

  it('brings a shorter log of the same steps to the same windows as a longer one', () => {
    const lines = stepLines(40_000);
    const long = thinned(lines);
    const short = thinned(lines.slice(0, 10_000));
    expect([long.stride, short.stride]).toEqual([16, 4]);
    const aligned = coarsenWindows(short.lines, long.stride / short.stride);
    expect(aligned.length).toBe(Math.ceil(10_000 / 16));
    aligned.forEach((window, i) => {
      if (i === aligned.length - 1) return; // the short log's last window is cut
      expect(window.step).toBe(long.lines[i].step);
      expect(window.loss).toBeCloseTo(long.lines[i].loss, 12);
    });
  });

  it('writes a window whose loss was null (NaN) as NaN, not as 0', () => {
    const lines = stepLines(MAX_STEP_LINES + 1);
    (lines[0] as { loss: number | null }).loss = null;
    expect(thinned(lines).lines[0].loss).toBeNaN();
  });
});

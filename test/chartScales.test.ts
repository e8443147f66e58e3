// The numbers behind the charts: TensorBoard's smoothing, share and log axes, each point's epoch
// and training time (from a real run's event log and history).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCurves, type CurvesEntry, type RunCurves } from '../src/report/series.js';
import { chartSpecs } from '../src/web/chartSpecs.js';
import type { EventLine, HistoryLine } from '../src/train/records.js';
import { logRange, logTicks, shareRange, smooth, tickLabel } from '../src/web/chartScales.js';
import { startRun } from '../src/run/run.js';
import { temporaryFolder } from './helpers.js';

describe('chart scales', () => {
  it('smooths as TensorBoard does: a debiased exponential moving average', () => {
    // by hand: w = 0.5; m1 = 0.5·2 = 1 → 1/(1−0.5) = 2; m2 = 0.5 + 0.5·4 = 2.5 → 2.5/0.75
    expect(smooth([2, 4], 0.5)).toEqual([2, 2.5 / 0.75]);
    expect(smooth([3, 3, 3], 0.9).map((v) => +v!.toFixed(12))).toEqual([3, 3, 3]); // no pull to 0
    expect(smooth([1, null, 3], 0)).toEqual([1, null, 3]);
    expect(smooth([1, NaN, 1], 0.5)).toEqual([1, NaN, 1]);
  });

  it('keeps share axes within 0–100%, at least one point wide', () => {
    expect(shareRange(0, 0)).toEqual([0, 0.01]); // was −5000…10000% for all-zero curves
    expect(shareRange(0.9, 1)).toEqual([0.89, 1]);
    const [low, high] = shareRange(0.0005, 0.0011);
    expect(low).toBe(0);
    expect(high).toBeLessThanOrEqual(0.011);
    // ticks every 0.2 points read 0.2%, 0.4%, not "0.1% 0.1% 0.1%"
    expect([0, 0.002, 0.004].map((v) => tickLabel(v, 0.002, true))).toEqual([
      '0.0%',
      '0.2%',
      '0.4%',
    ]);
    expect(tickLabel(0.5, 0.2, true)).toBe('50%');
  });

  it('holds every drawn value of a log axis with visible room above and below', () => {
    // the learning-rate lesson's losses: lr 0.1 down to 0.08, lr 20 up to 800 before it diverged
    for (const [low, high] of [
      [0.0816, 799.8],
      [0.5, 0.9],
      [2.2, 3],
      [1e-6, 1e3],
    ]) {
      const [from, to] = logRange(low, high);
      expect(from).toBeLessThan(low);
      expect(to).toBeGreaterThan(high);
      // at least 4% of the axis' height above the highest point and below the lowest
      const height = Math.log10(to / from);
      expect(Math.log10(to / high) / height).toBeGreaterThan(0.04);
      expect(Math.log10(low / from) / height).toBeGreaterThan(0.04);
    }
  });

  it('gives a log axis within one decade several ticks', () => {
    expect(logTicks(0.28, 0.52)).toEqual([0.3, 0.4, 0.5]);
    expect(logTicks(0.05, 3)).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logTicks(1e-4, 1e3)).toEqual([1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000]);
  });

  it("gives each point its epoch and seconds of training, from a real run's files", async () => {
    const out = join(temporaryFolder(), 'run');
    // the run `train --train-limit 1000 --test-limit 200 --epochs 2` makes, in this process
    await startRun({ trainLimit: 1000, testLimit: 200, epochs: 2 }, { out, threads: 1 });
    const lines = (file: string) =>
      readFileSync(join(out, file), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
    const history = lines('metrics.jsonl') as HistoryLine[];
    const curves = runCurves(lines('events.jsonl') as EventLine[], history);
    // 10 steps an epoch, one event line each
    expect(curves.epochs).toHaveLength(20);
    expect(curves.epochs[0]).toBeCloseTo(0.1, 12);
    expect(curves.epochs[9]).toBe(1);
    expect(curves.epochs[19]).toBe(2);
    expect(curves.testEpochs).toEqual([1, 2]);
    const [first, second] = history.map((line) => line.seconds);
    // to the millisecond
    const near = (value: number | null, expected: number) =>
      expect(Math.abs(value! - expected)).toBeLessThanOrEqual(0.0005 + 1e-12);
    near(curves.seconds[9], first);
    near(curves.seconds[19], first + second);
    near(curves.seconds[4], first / 2);
    expect(curves.testSeconds).toEqual([curves.seconds[9], curves.seconds[19]]);
    // an epoch not in the history (a run still in it) has no time yet
    expect(
      runCurves(lines('events.jsonl') as EventLine[], history.slice(0, 1)).seconds[19],
    ).toBeNull();
  });

  it('draws losses spanning more than three decades (a diverged run) on a log axis first', () => {
    const curves = (loss: number[]): RunCurves => ({
      ...runCurves([], []),
      steps: loss.map((_, i) => i + 1),
      epochs: loss.map((_, i) => (i + 1) / loss.length),
      seconds: loss.map(() => null),
      trainLoss: loss,
      trainAccuracy: loss.map(() => 0.5),
    });
    const entry = (label: string, loss: number[]): CurvesEntry => ({
      label,
      runs: [label],
      curves: curves(loss),
    });
    const scale = (entries: CurvesEntry[]) =>
      chartSpecs(entries).map((spec) => [spec.name, spec.log, spec.scaleToggle]);
    const calm = entry('calm', [2.3, 0.5, 0.3]);
    expect(scale([calm])).toEqual([
      ['loss', false, true],
      ['accuracy', false, false],
    ]);
    expect(scale([calm, entry('diverged', [2.3, 812, 640])])[0]).toEqual(['loss', true, true]);
  });
});

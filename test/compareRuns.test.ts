// Comparing runs (src/report/compare.ts, series.ts) on records made here: which options differ,
// runs that differ only in their seed grouped into a mean with a min–max band, each labelled by
// what sets it apart. test/e2e/compare.test.ts compares real runs through the CLI and draws them.

import { describe, expect, it } from 'vitest';
import { compareRuns } from '../src/report/compare.js';
import type { HistoryLine } from '../src/train/records.js';
import type { RunRecord } from '../src/run/runReader.js';

/** A finished run of 10 steps an epoch, without an event log: its curves come from its history. */
function run(id: string, config: Record<string, unknown>, trainLosses: number[]): RunRecord {
  const history: HistoryLine[] = trainLosses.map((trainLoss, i) => ({
    epoch: i + 1,
    trainLoss,
    trainAccuracy: 0.9,
    testLoss: trainLoss + 0.1,
    testAccuracy: 0.8 + i / 100,
    seconds: 1,
    samplesPerSecond: 1000,
    steps: 10 * (i + 1),
    learningRate: 0.1,
    gradientNorms: [trainLoss / 2],
  }));
  return {
    folder: `/runs/${id}`,
    id,
    config,
    status: 'finished',
    history,
    events: [],
    stepStride: 1,
  };
}

const BASE = { model: '784-10', optimizer: 'sgd', lr: 0.1, loss: 'cross-entropy', seed: 1 };

describe('compare', () => {
  it('groups the runs that differ only in their seed into a band, and names what differs', () => {
    const comparison = compareRuns([
      run('seed1', BASE, [0.5, 0.3, 0.2]),
      run('seed2', { ...BASE, seed: 2 }, [0.7, 0.4]), // stopped after 2 epochs
      run('mse', { ...BASE, loss: 'mse', model: '784-10 (mse)' }, [0.9, 0.8, 0.7]),
    ]);
    // the model's description is not an option of its own
    expect(comparison.differing).toEqual(['loss', 'seed']);
    expect(comparison.entries.map((entry) => [entry.label, entry.runs])).toEqual([
      ['loss cross-entropy (seeds 1, 2)', ['seed1', 'seed2']],
      ['mse: loss mse', ['mse']],
    ]);
    const [group, single] = comparison.entries;
    // the band is cut to the shorter run: mean, lowest and highest, point by point
    expect(group.curves.steps).toEqual([10, 20]);
    expect(group.curves.trainLoss).toEqual([0.6, expect.closeTo(0.35, 15)]);
    expect(group.low!.trainLoss).toEqual([0.5, 0.3]);
    expect(group.high!.trainLoss).toEqual([0.7, 0.4]);
    expect(group.curves.gradientNorms).toEqual([[0.3, expect.closeTo(0.175, 15)]]);
    expect(single.low).toBeUndefined();
    expect(single.curves.trainLoss).toEqual([0.9, 0.8, 0.7]);
    expect(single.curves.testSteps).toEqual([10, 20, 30]);
    expect(comparison.runs.map((r) => [r.id, r.epochs, r.steps, r.testAccuracy])).toEqual([
      ['seed1', 3, 30, 0.8 + 2 / 100],
      ['seed2', 2, 20, 0.8 + 1 / 100],
      ['mse', 3, 30, 0.8 + 2 / 100],
    ]);
  });

  it('runs with the same options but the seed are one group; runs alike in all are too', () => {
    const seeds = compareRuns([run('a', BASE, [0.5]), run('b', { ...BASE, seed: 7 }, [0.3])]);
    expect(seeds.differing).toEqual(['seed']);
    expect(seeds.entries.map((entry) => entry.label)).toEqual(['same options (seeds 1, 7)']);
    const lines = compareRuns([run('a', BASE, [0.5]), run('b', { ...BASE, lr: 0.01 }, [0.3])]);
    expect(lines.entries.map((entry) => entry.label)).toEqual(['a: lr 0.1', 'b: lr 0.01']);
    expect(lines.entries.every((entry) => entry.low === undefined)).toBe(true);
  });
});

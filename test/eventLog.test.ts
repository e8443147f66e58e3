// events.jsonl: the per-step event log, on real MNIST runs through the Run API.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../src/errors.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { readEvents } from '../src/run/eventLog.js';
import type { EndEvent, EpochEvent, StartEvent, StepEvent } from '../src/train/records.js';
import { startRun } from '../src/run/run.js';
import { readHistory } from '../src/run/runFiles.js';
import { temporaryFolder } from './helpers.js';

/** 30 batches an epoch, logged every 7 steps: windows of 7, 7, 7, 7 and 2 steps. */
const SMALL = { ...RUN_DEFAULTS, trainLimit: 3000, testLimit: 500, epochs: 2, logEvery: 7 };

function lines(folder: string) {
  const events = readEvents(folder);
  const of = <T>(type: string) => events.filter((line) => line.type === type) as T[];
  return {
    events,
    starts: of<StartEvent>('start'),
    steps: of<StepEvent>('step'),
    epochs: of<EpochEvent>('epoch'),
    ends: of<EndEvent>('end'),
  };
}

/** A line without what differs from one process to the next. */
function withoutProcess(line: object): object {
  const rest: Record<string, unknown> = { ...line };
  delete rest.pid;
  delete rest.time;
  return rest;
}

describe('events.jsonl', () => {
  it('logs each window of steps, whose figures add up to the epoch metrics', async () => {
    const out = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, hidden: [32, 16], activation: 'sigmoid' }, { out, threads: 1 }, {});
    const { events, starts, steps, epochs, ends } = lines(out);
    expect(events[0].type).toBe('start');
    expect(starts[0].config).toMatchObject({ hidden: [32, 16], logEvery: 7 });
    expect(events[events.length - 1]).toMatchObject({ type: 'end', status: 'finished' });
    expect(ends).toHaveLength(1);
    expect(steps.map((line) => line.step)).toEqual([7, 14, 21, 28, 30, 37, 44, 51, 58, 60]);
    expect(steps[4].epochFraction).toBe(1);
    const history = readHistory(out);
    expect(epochs.map((line) => [line.epoch, line.step, line.testAccuracy])).toEqual(
      history.map((m) => [m.epoch, m.steps, m.testAccuracy]),
    );
    for (const [e, metrics] of history.entries()) {
      const window = steps.slice(5 * e, 5 * e + 5);
      const sizes = [7, 7, 7, 7, 2];
      const weighted = (pick: (line: StepEvent) => number) =>
        window.reduce((sum, line, i) => sum + pick(line) * sizes[i], 0) / 30;
      expect(weighted((line) => line.loss)).toBeCloseTo(metrics.trainLoss, 10);
      expect(weighted((line) => line.accuracy)).toBeCloseTo(metrics.trainAccuracy, 10);
      for (let l = 0; l < 3; l++) {
        expect(weighted((line) => line.gradientNorms[l])).toBeCloseTo(metrics.gradientNorms[l], 10);
      }
    }
    for (const line of steps) {
      expect(line.weightNorms).toHaveLength(3);
      expect(line.weightNorms.every((norm) => norm > 0)).toBe(true);
      expect(line.saturation).toHaveLength(2);
      expect(line.saturation.every((share) => share >= 0 && share <= 1)).toBe(true);
    }
  });

  it('is cut back to the checkpoint on resume, and then ends as the uninterrupted log', async () => {
    const whole = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, epochs: 3 }, { out: whole, threads: 1 });
    const out = join(temporaryFolder(), 'run');
    let batches = 0;
    const stopped = startRun(
      { ...SMALL, epochs: 3 },
      { out, threads: 1 },
      { shouldStop: () => ++batches > 45 },
    );
    await expect(stopped).rejects.toThrow(InterruptedError);
    const interrupted = lines(out);
    expect(interrupted.steps.map((line) => line.step)).toContain(44); // past the checkpoint (30)
    expect(interrupted.ends[0]).toMatchObject({ status: 'interrupted', epoch: 1 });
    await startRun(SMALL, { resume: out, epochs: 3, threads: 1 });
    const resumed = lines(out);
    const expected = lines(whole);
    expect(resumed.starts.map((line) => [line.step, line.epoch])).toEqual([
      [0, 0],
      [30, 1],
    ]);
    expect(resumed.steps).toEqual(expected.steps);
    expect(resumed.epochs).toEqual(expected.epochs);
    expect(resumed.ends.map(withoutProcess)).toEqual(expected.ends.map(withoutProcess));
  });

  it('is not written with logEvery 0', async () => {
    const out = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, epochs: 1, logEvery: 0 }, { out, threads: 1 });
    expect(lines(out).steps).toEqual([]);
    expect(lines(out).epochs).toHaveLength(1);
  });
});

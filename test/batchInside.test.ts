// Step laid open: a run paused and stepped from outside records that step's inside in step.json
// (train/batchInside.ts, run/stepFile.ts) from the arrays that trained, and trains on to the
// same weights as a run never paused. The record is held against an independent float64
// computation from the images the loader gives (test/steppedBatch.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import type { ControlChannel } from '../src/run/runControl.js';
import { parseStepFile, STEP_FILE } from '../src/run/stepFile.js';
import { MNIST, temporaryFolder } from './helpers.js';
import { stepFigures } from './steppedBatch.js';

const OPTIONS = {
  ...RUN_DEFAULTS,
  trainLimit: 2000,
  testLimit: 200,
  epochs: 1,
  optimizer: 'sgd' as const,
  lr: 0.5,
  lrSchedule: 'constant' as const,
};

const layersOf = (folder: string) =>
  JSON.stringify(JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).layers);

describe('a step taken by Step, laid open', () => {
  it('records its batch, gradient and update exactly, and leaves the training as it was', async () => {
    const root = temporaryFolder();
    const out = join(root, 'stepped');
    let send: (message: unknown) => void = () => {};
    const channel: ControlChannel = { listen: (listener) => (send = listener) };
    const taken: number[] = [];
    const run = startRun(
      OPTIONS,
      { out, threads: 1 },
      {
        controls: channel,
        onEvent: (event) => {
          if (event.type !== 'step') return;
          taken.push(event.progress.step);
          if (event.progress.step === 3) send({ action: 'pause' });
        },
      },
    );
    await expect.poll(() => taken.at(-1), { timeout: 20_000 }).toBe(3);
    const file = join(out, STEP_FILE);
    send({ action: 'step' });
    await expect.poll(() => taken.at(-1)).toBe(4);
    const record = parseStepFile(readFileSync(file, 'utf8'), file);
    send({ action: 'resume' });
    await run;

    expect(record).toMatchObject({ step: 4, epoch: 1, batch: 4, size: 100, learningRate: 0.5 });
    expect(record.optimizer).toMatchObject({ name: 'sgd', weightDecay: 0 });
    expect(record.indices).toHaveLength(100);
    expect(record.lossAfter).toBeLessThan(record.lossBefore); // SGD at 0.5 on its own batch
    const weights = record.parameters.find((p) => p.name === 'weights')!;
    expect(weights.shape).toEqual([784, 10]);
    const data = await loadDataset(MNIST, { trainLimit: OPTIONS.trainLimit, testLimit: 1 });
    const figures = stepFigures(record, data.train);
    expect(figures.labelsMatch).toBe(true);
    expect(figures.updateMismatches).toBe(0);
    expect(figures.gradientError).toBeLessThan(1e-5);
    expect(figures.sgdError).toBeLessThanOrEqual(1);
    // the step's p, for the samples kept: rows of probabilities
    const p = record.probabilitiesAfter.slice(0, 10);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);

    const plain = join(root, 'plain');
    await startRun(OPTIONS, { out: plain, threads: 1 });
    expect(layersOf(out)).toBe(layersOf(plain)); // paused, stepped, resumed: the same weights
  }, 60_000);
});

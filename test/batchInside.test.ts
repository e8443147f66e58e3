// Step laid open: a run paused and stepped from outside records that step's inside in step.json
// (train/batchInside.ts, run/stepFile.ts) from the arrays that trained, and trains on to the
// same weights as a run never paused. The record is held against an independent float64
// computation from the images the loader gives (test/steppedBatch.ts); a damaged step.json is
// refused naming the file.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { RUN_DEFAULTS, type TrainOptions } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import type { ControlChannel } from '../src/run/runControl.js';
import { parseStepFile, STEP_FILE } from '../src/run/stepFile.js';
import type { SteppedBatch } from '../src/train/records.js';
import { MNIST, temporaryFolder } from './helpers.js';
import { stepFigures } from './steppedBatch.js';

const SGD = {
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

/**
 * Runs `options` paused after 3 steps, stepped once, then resumed to the end; and the same
 * options never paused. Returns the step's record and whether both ended with the same layers.
 */
async function stepAndCompare(options: TrainOptions) {
  const root = temporaryFolder();
  const out = join(root, 'stepped');
  let send: (message: unknown) => void = () => {};
  const channel: ControlChannel = { listen: (listener) => (send = listener) };
  const taken: number[] = [];
  const run = startRun(
    options,
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
  const plain = join(root, 'plain');
  await startRun(options, { out: plain, threads: 1 });
  return { record, sameWeights: layersOf(out) === layersOf(plain) };
}

describe('a step taken by Step, laid open', () => {
  it('records its batch, gradient and update exactly, and leaves the training as it was', async () => {
    const { record, sameWeights } = await stepAndCompare(SGD);
    expect(sameWeights).toBe(true); // paused, stepped, resumed: the same weights
    expect(record).toMatchObject({ step: 4, epoch: 1, batch: 4, size: 100, learningRate: 0.5 });
    expect(record.optimizer).toMatchObject({ name: 'sgd', weightDecay: 0 });
    expect(record.indices).toHaveLength(100);
    expect(record.lossAfter).toBeLessThan(record.lossBefore); // SGD at 0.5 on its own batch
    const weights = record.parameters.find((p) => p.name === 'weights')!;
    expect(weights.shape).toEqual([784, 10]);
    const data = await loadDataset(MNIST, { trainLimit: SGD.trainLimit, testLimit: 1 });
    const figures = stepFigures(record, data.train);
    expect(figures.labelsMatch).toBe(true);
    expect(figures.updateMismatches).toBe(0);
    expect(figures.gradientError).toBeLessThan(1e-5);
    expect(figures.sgdError).toBeLessThanOrEqual(1);
    // the first sample's p before: the softmax of its logits, a row summing to 1
    const p = record.probabilitiesBefore.slice(0, 10);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(record.lossesBefore[0]).toBeCloseTo(-Math.log(p[record.labels[0]]), 4);
  }, 60_000);

  it('of a BatchNorm network trained by Adam: norms only, and the moving statistics as they were', async () => {
    const options = {
      ...SGD,
      hidden: [16],
      batchnorm: true,
      optimizer: 'adam' as const,
      lr: 0.005,
    };
    const { record, sameWeights } = await stepAndCompare(options);
    expect(sameWeights).toBe(true); // moving statistics included: model.json holds them
    expect(record.optimizer).toMatchObject({ name: 'adam', t: 4, beta1: 0.9 });
    const names = record.parameters.map((p) => `${p.layer} ${p.name}`);
    expect(names).toEqual(['0 weights', '1 gamma', '1 beta', '3 weights', '3 bias']);
    for (const p of record.parameters) {
      expect(p.gradient).toBeUndefined(); // whole tensors only for softmax regression
      expect(p.updateNorm).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('step.json read back', () => {
  it('is refused, naming the file and the field, when damaged', async () => {
    const { record } = await stepAndCompare({ ...SGD, trainLimit: 600 });
    const text = JSON.stringify(record);
    expect(parseStepFile(text, 'r/step.json')).toEqual(record);
    const damaged: [(s: SteppedBatch) => void, RegExp][] = [
      [(s) => (s.lossAfter = 'x' as never), /"lossAfter" is not a number/],
      [(s) => s.probabilitiesAfter.pop(), /"probabilitiesAfter" are not/],
      [(s) => (s.labels[0] = 10), /"labels" are not classes/],
      [(s) => (s.pixels = 'AAAA'), /"pixels" are not 78400 bytes/],
      [(s) => s.parameters[0].update!.pop(), /"parameters"\[0\]: its "update" is not 7840/],
      [(s) => (s.optimizer.name = 'rmsprop' as never), /"optimizer" is not/],
    ];
    for (const [damage, message] of damaged) {
      const copy = JSON.parse(text) as SteppedBatch;
      damage(copy);
      expect(() => parseStepFile(JSON.stringify(copy), 'r/step.json')).toThrow(message);
    }
    expect(() => parseStepFile('{', 'r/step.json')).toThrow(
      'r/step.json: not a step file (not JSON)',
    );
  }, 60_000);
});

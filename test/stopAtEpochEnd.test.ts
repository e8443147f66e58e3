// A stop asked during an epoch's last batch (or its test pass) is honoured before the next batch:
// the epoch whose batches have all run is evaluated and saved, and a run whose last epoch that was
// simply finishes. Real runs on 2000 MNIST images in batches of 100 (an epoch is 20 steps),
// stopped as Ctrl-C and the studio's Stop stop them (shouldStop, turned true in a batch's
// afterBatch, where the step event is emitted).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../src/errors.js';
import { RUN_DEFAULTS, type TrainOptions } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import { readHistory } from '../src/run/runFiles.js';
import { readRun } from '../src/run/runReader.js';
import { temporaryFolder } from './helpers.js';

const SMALL = { ...RUN_DEFAULTS, trainLimit: 2000, testLimit: 500 };

/** A run of `options` asked to stop once its step `stopAt` has been taken. */
function stoppedAt(options: Partial<TrainOptions>, stopAt: number) {
  const out = join(temporaryFolder(), 'run');
  let step = 0;
  const run = startRun(
    { ...SMALL, ...options },
    { out, threads: 1 },
    {
      onEvent: (event) => {
        if (event.type === 'step') step = event.progress.step;
        if (event.type === 'log') step = event.log.step; // L-BFGS's, an iteration a step
      },
      shouldStop: () => step >= stopAt,
    },
  );
  return { out, run };
}

describe('a stop during an epoch’s last batch', () => {
  it('keeps that epoch, evaluated and saved, and stops before the next', async () => {
    const { out, run } = stoppedAt({ epochs: 3 }, 20);
    await expect(run).rejects.toThrow(InterruptedError);
    await expect(run).rejects.toThrow(
      /^interrupted after epoch 1; every finished epoch \(1\) is saved in .*; continue with: mnist-softmax train --resume /,
    );
    expect(readRun(out).status).toBe('interrupted');
    expect(readHistory(out).map((e) => [e.epoch, e.steps])).toEqual([[1, 20]]);
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
  });

  it('lets a run whose last epoch it was finish', async () => {
    const { out, run } = stoppedAt({ epochs: 1 }, 20);
    const result = await run;
    expect(result.epochs.map((e) => e.steps)).toEqual([20]);
    expect(readRun(out).status).toBe('finished');
  });

  it('lets a --steps run finish at its last step, in its partial epoch', async () => {
    const { out, run } = stoppedAt({ steps: 30 }, 30);
    const result = await run;
    expect(result.epochs.map((e) => e.steps)).toEqual([20, 30]);
    expect(readRun(out).status).toBe('finished');
  });

  it('still stops mid-epoch before the next batch', async () => {
    const { run } = stoppedAt({ epochs: 2 }, 25);
    await expect(run).rejects.toThrow(
      /^interrupted in epoch 2 after batch 5 of 20; every finished epoch \(1\)/,
    );
  });

  it('L-BFGS: a stop in its last iteration finishes the run, in an earlier one interrupts it', async () => {
    const last = stoppedAt({ optimizer: 'lbfgs', epochs: 2 }, 2);
    expect((await last.run).epochs).toHaveLength(2);
    expect(readRun(last.out).status).toBe('finished');
    const first = stoppedAt({ optimizer: 'lbfgs', epochs: 2 }, 1);
    await expect(first.run).rejects.toThrow(
      /^interrupted after L-BFGS iteration 1; every finished epoch \(1\)/,
    );
  });
});

// The studio's lessons (src/studio/lessons.ts), in this process: each run they ask for is one the
// command line accepts, and the lesson on learning rates shows a divergence being caught.
// test/e2e/studio.test.ts drives the studio itself.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../src/errors.js';
import { armLabel, LESSONS } from '../src/studio/lessons.js';
import { RUN_ID } from '../src/studio/runs.js';
import { trainRequest } from '../src/studio/trainRequest.js';
import { RUN_DEFAULTS, type RunOptions } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import { temporaryFolder } from './helpers.js';

describe('studio lessons', () => {
  it('asks only for runs the command line accepts', () => {
    for (const lesson of LESSONS) {
      for (const options of lesson.runs)
        expect([lesson.name, trainRequest(options)]).toMatchObject([lesson.name, { ok: true }]);
    }
  });

  it('names each arm’s run folder after its lesson and arm, as a folder name may be', () => {
    const lesson = (name: string) => LESSONS.find((candidate) => candidate.name === name)!;
    expect(armLabel(lesson('learning-rates'), 0)).toBe('learning-rates-lr-0.001');
    expect(armLabel(lesson('cross-entropy-vs-squared-error'), 1)).toBe(
      'cross-entropy-vs-squared-error-squared-error',
    );
    expect(armLabel(lesson('adam-vs-sgd-squared-error'), 2)).toBe(
      'adam-vs-sgd-squared-error-adam-cross-entropy',
    );
    for (const of of LESSONS) {
      const labels = of.arms.map((_, arm) => armLabel(of, arm));
      expect(new Set(labels).size, of.name).toBe(labels.length); // one folder per arm
      for (const label of labels) {
        expect(label).toMatch(/^[a-z0-9.-]+$/);
        expect(RUN_ID.test(`2026-12-06T23-40-25-${label}-2`)).toBe(true);
      }
    }
  });

  it('shows a learning rate too large being caught', async () => {
    const lesson = LESSONS.find((candidate) => candidate.name === 'learning-rates')!;
    const largest = lesson.runs[lesson.runs.length - 1];
    const run = startRun(
      { ...RUN_DEFAULTS, ...(largest as Partial<RunOptions>) },
      { out: join(temporaryFolder(), 'run'), threads: 1 },
    );
    await expect(run).rejects.toThrow(DivergenceError);
    await expect(run).rejects.toThrow(/training diverged in epoch 1, batch \d+/);
  });
});

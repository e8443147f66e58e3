// The lessons on the static page (src/web/staticArms.ts): each arm, in the worker's terms, is the
// run the studio starts for it (its request checked by trainRequest, then resolved into the
// trainer's configuration and the network's architecture as `train` does), and the arms of a
// lesson still differ.

import { describe, expect, it } from 'vitest';
import { architectureOf, trainConfig } from '../src/run/runConfig.js';
import { resolveOptions } from '../src/run/optionRules.js';
import { RUN_DEFAULTS, type TrainOptions } from '../src/run/options.js';
import { LESSONS } from '../src/studio/lessons.js';
import { trainRequest } from '../src/studio/trainRequest.js';
import { armOptions, stepsOf } from '../src/web/staticArms.js';

/** The training images `studio --static` ships by default. */
const SHIPPED = 20000;

describe('lesson arms on the static page', () => {
  it('are the runs the studio starts, and still differ', () => {
    for (const lesson of LESSONS) {
      const arms = lesson.runs.map((run) => {
        const request = trainRequest(run);
        if (!request.ok) throw new Error(JSON.stringify(request.errors));
        const resolved = resolveOptions({ ...RUN_DEFAULTS, ...request.options } as TrainOptions);
        const config = trainConfig(resolved);
        const arm = armOptions(run, SHIPPED);
        expect([lesson.name, arm]).toEqual([
          lesson.name,
          {
            ...architectureOf(resolved),
            optimizer: config.optimizer!.name,
            learningRate: config.learningRate,
            epochs: config.epochs,
            batchSize: config.batchSize,
            seed: config.seed,
            loss: config.loss,
            schedule: config.schedule,
            steps: config.steps,
            logEvery: arm.logEvery,
          },
        ]);
        return arm;
      });
      expect(new Set(arms.map((arm) => JSON.stringify(arm))).size).toBe(arms.length);
    }
  });

  it('log about 50 lines an epoch of the shipped images, unless the lesson says', () => {
    const [crossEntropy] = LESSONS[0].runs.map((run) => armOptions(run, SHIPPED));
    expect(crossEntropy).toMatchObject({ optimizer: 'sgd', learningRate: 0.5, steps: 600 });
    expect(crossEntropy.logEvery).toBe(4);
    expect(stepsOf(crossEntropy, SHIPPED)).toBe(600);
    const rates = LESSONS.find((lesson) => lesson.name === 'learning-rates')!;
    const [small] = rates.runs.map((run) => armOptions(run, SHIPPED));
    expect(small).toMatchObject({ learningRate: 0.001, epochs: 1, logEvery: 1 });
    expect(stepsOf(small, SHIPPED)).toBe(200);
  });

  it('refuses an option the worker would drop', () => {
    expect(() => armOptions({ weightDecay: 0.01 }, SHIPPED)).toThrow(
      "the static page's worker takes no weightDecay",
    );
  });
});

// A stopped lesson's figures (lessonFigures.ts): real runs of a lesson's arms (a few thousand real
// MNIST images), one of them interrupted as Stop interrupts it, or never started. Once every arm
// has ended, the lesson is `stopped`: its sentences say how far each arm went (the steps its own
// log says it took and was to take) and compare nothing; its chart keeps what ran. A lesson whose
// arms all ran, its diverging arm included, states its claim's figures as ever.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../src/index.js';
import { readRun } from '../src/run/runReader.js';
import { armSteps, lessonFigures, NOT_STARTED } from '../src/studio/lessonFigures.js';
import { LESSONS } from '../src/studio/lessons.js';
import { trainRequest } from '../src/studio/trainRequest.js';
import { temporaryFolder } from './helpers.js';

const lesson = (name: string) => LESSONS.find((candidate) => candidate.name === name)!;
/** 2000 training images in batches of 100: an epoch is 20 steps. */
const LIMITS = { trainLimit: 2000, testLimit: 500, logEvery: 1 };

/**
 * Arm `arm` of a lesson, trained (at most `steps` steps) and, with `stopAfter`, interrupted
 * once it has logged that many steps; its record as the studio reads it.
 */
async function runArm(name: string, arm: number, steps?: number, stopAfter = Infinity) {
  const checked = trainRequest(lesson(name).runs[arm]);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const out = join(temporaryFolder(), `arm${arm}`);
  let logged = 0;
  await train(
    { ...checked.options, ...LIMITS, ...(steps ? { steps } : {}) },
    { out, threads: 1 },
    {
      onEvent: (event) => void (event.type === 'log' && logged++),
      shouldStop: () => logged >= stopAfter,
    },
  ).catch(() => undefined); // interrupted, or diverged: its record says so
  return readRun(out);
}

describe('a stopped lesson’s figures', () => {
  it('an arm interrupted, the other never started: how far each went, no comparison', async () => {
    const sigmoid = await runArm('sigmoid-vs-relu', 0, undefined, 6);
    expect(sigmoid.status).toBe('interrupted');
    const taken = sigmoid.events.at(-1)!.step;
    expect(taken).toBeGreaterThanOrEqual(6);
    expect(taken).toBeLessThan(20);
    const arms = [sigmoid, { status: NOT_STARTED, events: [] }];
    // one epoch of 20 steps, as its step lines say (the config records epochs, not steps)
    expect(armSteps(sigmoid)).toEqual({ taken, planned: 20 });
    const figures = lessonFigures(lesson('sigmoid-vs-relu'), arms);
    expect(figures.done).toBe(true);
    expect(figures.stopped).toBe(true);
    expect(figures.sentences).toEqual([
      `“sigmoid” was interrupted at step ${taken} of 20; “ReLU” did not start.`,
      'The claim above is not tested: its figures compare whole arms, and these did not all ' +
        'run. The chart shows each arm as far as it ran.',
    ]);
    // the chart keeps what ran: the sigmoid arm's two layers, a point per logged step
    const lines = figures.charts[0].lines.filter((line) => line.arm === 0);
    expect(lines.map((line) => line.y.length)).toEqual([taken, taken]);
    expect(figures.charts[0].lines.filter((line) => line.arm === 1)).toEqual([]);
  }, 60_000);

  it('an arm finished, the other interrupted: still no comparison', async () => {
    const name = 'cross-entropy-vs-squared-error';
    const ce = await runArm(name, 0, 30);
    const mse = await runArm(name, 1, 30, 9);
    expect([ce.status, mse.status]).toEqual(['finished', 'interrupted']);
    const taken = mse.events.at(-1)!.step;
    const figures = lessonFigures(lesson(name), [ce, mse]);
    expect(figures.stopped).toBe(true);
    // `steps` set: the config says how many it was to take
    expect(figures.sentences[0]).toBe(
      `“cross-entropy” finished its 30 steps; “squared error” was interrupted at step ${taken} ` +
        'of 30.',
    );
    expect(figures.sentences.join(' ')).not.toMatch(/%|gradient norm/);
  }, 60_000);

  it('arms that all ran, one of them diverging, state the claim’s figures', async () => {
    const name = 'learning-rates';
    const arms = [await runArm(name, 0, 10), await runArm(name, 1, 10), await runArm(name, 2, 10)];
    expect(arms.map((arm) => arm.status)).toEqual(['finished', 'finished', 'failed']);
    const figures = lessonFigures(lesson(name), arms);
    expect(figures.done).toBe(true);
    expect(figures.stopped).toBe(false);
    expect(figures.sentences[0]).toMatch(
      /^After 10 steps: lr 0\.001 ends at loss [\d.]+; .*lr 20 diverged at step \d+/,
    );
  }, 60_000);
});

// The lessons as controlled experiments: each lesson's arms, checked as the studio checks them,
// differ only in the option the lesson names; run (shortened: a few thousand real MNIST images)
// through the library's train(), their figures are what their own event logs and metrics show.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../src/index.js';
import { readRun } from '../src/run/runReader.js';
import { lessonFigures, ratio, type ArmRecord } from '../src/studio/lessonFigures.js';
import { LESSONS, type Lesson } from '../src/studio/lessons.js';
import { trainRequest } from '../src/studio/trainRequest.js';
import type { StepEvent } from '../src/train/records.js';
import { temporaryFolder } from './helpers.js';

const lesson = (name: string) => LESSONS.find((candidate) => candidate.name === name)!;

/** Runs a lesson's arms on 2000 training images, at most `steps` steps each; their records. */
async function runArms(of: Lesson, steps: number) {
  const folder = temporaryFolder();
  const records = [];
  for (const [r, options] of of.runs.entries()) {
    const checked = trainRequest(options);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const out = join(folder, `arm${r}`);
    await train(
      { ...checked.options, steps, trainLimit: 2000, testLimit: 1000 },
      { out, threads: 1 },
    ).catch(() => undefined); // a diverging arm fails: its record says so
    records.push(readRun(out));
  }
  return records;
}

const steps = (arm: ArmRecord) =>
  arm.events.filter((line): line is StepEvent => line.type === 'step');
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const lastTest = (folder: string) =>
  (
    JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8')) as {
      last: { testAccuracy: number };
    }
  ).last.testAccuracy;
const shown = (share: number) => `${(share * 100).toFixed(2)}%`;

describe('the lessons’ arms', () => {
  it('differ only in the options each lesson names, with one seed and initialisation', () => {
    for (const { name, runs, varies, arms } of LESSONS) {
      expect(arms.length, name).toBe(runs.length);
      for (const run of runs) {
        expect(trainRequest(run).ok, name).toBe(true);
        const rest = (options: Record<string, unknown>) =>
          JSON.stringify(
            Object.entries(options)
              .filter(([key]) => !varies.includes(key))
              .sort(),
          );
        expect(rest(run), name).toBe(rest(runs[0]));
        expect(run.seed, name).toBe(1);
      }
    }
    // the activation lesson no longer changes the initialisation with the activation
    expect(lesson('sigmoid-vs-relu').runs.map((run) => run.init)).toEqual(['xavier', 'xavier']);
    // where the point is the gradient's size, plain SGD
    expect(lesson('cross-entropy-vs-squared-error').runs.every((r) => r.optimizer === 'sgd')).toBe(
      true,
    );
  });
});

describe('the lessons’ figures, from real runs', () => {
  it('cross-entropy against squared error: the gradient ratio and accuracies of the runs', async () => {
    const of = lesson('cross-entropy-vs-squared-error');
    const [ce, mse] = await runArms(of, 60);
    // the resolved configurations differ in the loss alone
    const differing = Object.keys(ce.config).filter(
      (key) => JSON.stringify(ce.config[key]) !== JSON.stringify(mse.config[key]),
    );
    expect(differing).toEqual(['loss']);
    const figures = lessonFigures(of, [ce, mse]);
    expect(figures.done).toBe(true);
    const norm = (arm: ArmRecord) => mean(steps(arm).map((line) => line.gradientNorms.at(-1)!));
    const measured = norm(mse) / norm(ce);
    expect(measured).toBeLessThan(0.5); // squared error's gradient is the smaller
    const text = figures.sentences.join(' ');
    expect(text).toContain(ratio(measured));
    // each accuracy names its arm
    expect(text).toContain(
      `test accuracy squared error ${shown(lastTest(mse.folder))}, ` +
        `cross-entropy ${shown(lastTest(ce.folder))}.`,
    );
    expect(text).toContain('after 60 steps');
    expect(text).not.toContain('so far');
    // one chart, both arms' output-layer norms, their logged values
    expect(figures.charts).toHaveLength(1);
    expect(figures.charts[0].lines.map((line) => line.arm)).toEqual([0, 1]);
    expect(figures.charts[0].lines[1].y).toEqual(
      steps(mse).map((line) => line.gradientNorms.at(-1)),
    );
  });

  it('sigmoid against ReLU: first/output layer ratios per arm, dead units explained', async () => {
    const of = lesson('sigmoid-vs-relu');
    const arms = await runArms(of, 20);
    const differing = Object.keys(arms[0].config).filter(
      (key) => JSON.stringify(arms[0].config[key]) !== JSON.stringify(arms[1].config[key]),
    );
    expect(differing).toEqual(['model', 'activation']); // the model's name shows the activation
    const figures = lessonFigures(of, arms);
    const ratios = arms.map((arm) => {
      const lines = steps(arm);
      return (
        mean(lines.map((line) => line.gradientNorms[0])) /
        mean(lines.map((line) => line.gradientNorms.at(-1)!))
      );
    });
    expect(ratios[0]).toBeLessThan(ratios[1]); // the sigmoid stack's first layer gets less
    expect(figures.sentences[0]).toContain(
      `sigmoid: ${ratio(ratios[0])}; ReLU: ${ratio(ratios[1])}`,
    );
    // four lines: each arm's first and output layer
    expect(figures.charts[0].lines.map((line) => [line.arm, line.layer])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
  });

  it('BatchNorm: the mean σ′ per layer from the step lines, and a live arm says "so far"', async () => {
    const of = lesson('batchnorm');
    const arms = await runArms(of, 20);
    for (const arm of arms) {
      for (const line of steps(arm)) {
        expect(line.activationSlope).toHaveLength(4);
        for (const slope of line.activationSlope!) expect(slope).toBeLessThanOrEqual(0.25);
        expect(line.preActivationSd).toHaveLength(4);
      }
    }
    const figures = lessonFigures(of, arms);
    const lastLayer = (arm: ArmRecord) => mean(steps(arm).map((line) => line.activationSlope![3]));
    const two = (v: number) => Number(v.toPrecision(2)).toString();
    expect(figures.sentences[0]).toMatch(new RegExp(`plain [^;]*${two(lastLayer(arms[0]))}`));
    expect(figures.sentences[0]).toContain(`BatchNorm `);
    expect(figures.charts[0].lines).toHaveLength(8);
    // the first layer's gradient the third sentence states has its own chart, the same means
    const first = (arm: ArmRecord) => mean(steps(arm).map((line) => line.gradientNorms[0]));
    expect(figures.sentences[2]).toContain('the second chart');
    expect(figures.sentences[2]).toContain(`plain ${two(first(arms[0]))}`);
    expect(figures.sentences[2]).toContain(
      `BatchNorm’s is ${ratio(first(arms[1]) / first(arms[0]))}`,
    );
    const drawn = figures.charts[1];
    expect(drawn.title).toBe('‖∂L/∂W‖₂ of the first layer, both arms');
    for (const [a, arm] of arms.entries()) {
      const ys = drawn.lines.find((line) => line.arm === a)!.y;
      expect(mean(ys)).toBeCloseTo(first(arm), 12);
    }
    // the same arms, one still running: the figures are marked as not final
    const live = lessonFigures(of, [arms[0], { ...arms[1], status: 'running' }]);
    expect(live.done).toBe(false);
    expect(live.sentences.join(' ')).toMatch(/so far/i);
  });

  it('Adam against SGD: the gradient ratio and the accuracy gap under each optimiser', async () => {
    const of = lesson('adam-vs-sgd-squared-error');
    const arms = await runArms(of, 60);
    const norm = (arm: ArmRecord) => mean(steps(arm).map((line) => line.gradientNorms.at(-1)!));
    const figures = lessonFigures(of, arms);
    for (const [name, ce, mse] of [
      ['SGD', arms[0], arms[1]],
      ['Adam', arms[2], arms[3]],
    ] as const) {
      const line = figures.sentences.find((sentence) => sentence.startsWith(`${name}:`))!;
      expect(line).toContain(`gradient norm is ${ratio(norm(mse) / norm(ce))} of`);
      expect(line).toContain(
        `(squared error ${shown(lastTest(mse.folder))}, cross-entropy ${shown(lastTest(ce.folder))})`,
      );
    }
    expect(arms[2].config.optimizer).toBe('adam');
    expect(arms[3].config.loss).toBe('mse');
    expect(figures.charts[0].lines.map((line) => line.arm)).toEqual([0, 1, 2, 3]);
  });

  it('learning rates: the diverging arm is named with the step where it stopped', async () => {
    const of = lesson('learning-rates');
    const arms = await runArms(of, 10);
    expect(arms[2].status).toBe('failed');
    const figures = lessonFigures(of, arms);
    const diverged = steps(arms[2]).at(-1)!.step + 1;
    expect(figures.sentences[0]).toContain(`lr 20 diverged at step ${diverged}`);
    expect(figures.sentences[0]).toMatch(/lr 0\.1 ends at loss [\d.]+;/);
    // its line ends in a dot at its last logged loss, and a note says where and why
    const last = steps(arms[2]).at(-1)!;
    const dots = figures.charts[0].lines.filter((line) => line.points);
    expect(dots).toEqual([expect.objectContaining({ arm: 2, steps: [last.step], y: [last.loss] })]);
    expect(figures.notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The lr 20 line ends in a dot at step ${last.step}, .*: step ${diverged} diverged \\(the loss is [\\d,.]+\\)`,
        ),
      ),
    ]);
  });

  it('an arm not started yet gives dashes, not an error', () => {
    for (const of of LESSONS) {
      const figures = lessonFigures(
        of,
        of.runs.map(() => ({ status: 'queued', events: [] })),
      );
      expect(figures.done).toBe(false);
      for (const chart of figures.charts) {
        expect(chart.lines.every((line) => line.y.length === 0)).toBe(true);
      }
      expect(figures.sentences.join(' ')).toContain('–');
    }
  });
});

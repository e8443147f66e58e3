// Defaults that learn, a validation split choosing the epoch kept, early stopping, and models
// that know their data: real training on real MNIST and Fashion-MNIST through the CLI.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FASHION_FOLDER } from '../../src/data/dataset.js';
import type { HistoryLine } from '../../src/train/records.js';
import { readHistory } from '../../src/run/runFiles.js';
import { runCli, temporaryFolder, writeDataFolder } from '../helpers.js';

/** CI installs Debian's dataset-fashion-mnist (.ci/run), so there these tests always run. */
const haveFashion = existsSync(FASHION_FOLDER) || process.env.CI === 'true';
/** The 10-epoch targets of networks with hidden layers take a minute: `npm run test:long`. */
const long = process.env.MNIST_SOFTMAX_LONG_TESTS === '1';

/** A data folder of 10×10 images (three of each split), which a 28×28 model cannot take. */
function smallDataFolder(folder: string): string {
  const split = { pixels: new Uint8Array(300), labels: Uint8Array.from([0, 1, 2]) };
  return writeDataFolder(folder, 10, 10, split);
}

function train(args: string[]) {
  const out = join(temporaryFolder(), 'run');
  const result = runCli(['train', ...args, '--no-progress', '--json', '--out', out]);
  if (result.status !== 0) throw new Error(result.stderr);
  return { out, json: JSON.parse(result.stdout), stderr: result.stderr };
}

describe('defaults that learn', () => {
  it('softmax regression reaches 92.5% on MNIST with nothing but the defaults', () => {
    const { json, stderr } = train([]);
    expect(json.testAccuracy).toBeGreaterThanOrEqual(0.925);
    expect(stderr).toContain('adam at 0.005 (cosine schedule), 5 epochs of batches of 100');
  });

  it.skipIf(!haveFashion)('and 84.0% on Fashion-MNIST', () => {
    expect(train(['--data', 'fashion']).json.testAccuracy).toBeGreaterThanOrEqual(0.84);
  });

  it.skipIf(!long)('784-256-10 with BatchNorm reaches 98.2% on MNIST', () => {
    expect(train(['--hidden', '256', '--batchnorm']).json.testAccuracy).toBeGreaterThanOrEqual(
      0.982,
    );
  });

  it.skipIf(!long || !haveFashion)('and 89.0% on Fashion-MNIST', () => {
    const { json } = train(['--hidden', '256', '--batchnorm', '--data', 'fashion']);
    expect(json.testAccuracy).toBeGreaterThanOrEqual(0.89);
  });
});

describe('a validation split', () => {
  // SGD at a constant 0.5 is too large a step on Fashion-MNIST: its epochs go up and down
  const BUMPY = [
    '--data',
    'fashion',
    '--optimizer',
    'sgd',
    '--lr',
    '0.5',
    '--lr-schedule',
    'constant',
  ];
  const best = (history: HistoryLine[]) =>
    history.reduce((a, b) => (b.validationAccuracy! > a.validationAccuracy! ? b : a));

  it.skipIf(!haveFashion)('keeps the epoch of the best validation accuracy', () => {
    const { out, json } = train([...BUMPY, '--val-split', '0.1', '--seed', '3']);
    const history = readHistory(out);
    const chosen = best(history);
    expect(chosen.epoch).toBeLessThan(history.length); // a later epoch was worse
    expect(json.kept).toEqual({ rule: 'best', epoch: chosen.epoch });
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model.training.kept).toEqual({ rule: 'best', epoch: chosen.epoch });
    // model.json holds that epoch's weights: it scores that epoch's test accuracy
    const scored = JSON.parse(
      runCli(['eval', '--model', join(out, 'model.json'), '--json']).stdout,
    );
    expect(scored.accuracy).toBe(chosen.testAccuracy);
    expect(json.testAccuracy).toBe(chosen.testAccuracy);
    const summary = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(summary.kept).toEqual({ rule: 'best', epoch: chosen.epoch });
    expect(summary.config).toMatchObject({ valSplit: 0.1, keep: 'best' });
  });

  it.skipIf(!haveFashion)('stops early after N epochs without a better one', () => {
    const { out, json } = train([
      ...BUMPY,
      '--val-split',
      '0.1',
      '--seed',
      '3',
      '--epochs',
      '8',
      '--early-stop',
      '2',
    ]);
    const history = readHistory(out);
    expect(history.length).toBeLessThan(8);
    expect(history.length - best(history).epoch).toBe(2);
    expect(json.kept.epoch).toBe(best(history).epoch);
  });

  it('refuses --keep best and --early-stop without a validation split', () => {
    for (const option of [
      ['--keep', 'best'],
      ['--early-stop', '2'],
    ]) {
      const result = runCli(['train', ...option, '--out', join(temporaryFolder(), 'run')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/needs a validation split .*\(--val-split F\)\n$/);
    }
  });
});

describe.skipIf(!haveFashion)('a model that knows its data', () => {
  const { out } = train(['--data', 'fashion', '--steps', '200']);
  const model = join(out, 'model.json');

  it('records it, and eval and predict --index use it when --data is not given', () => {
    const recorded = JSON.parse(readFileSync(model, 'utf8')).data;
    expect(recorded).toMatchObject({ source: 'fashion', name: 'fashion-mnist', testCount: 10000 });
    expect(recorded.testFingerprint).toMatch(/^[0-9a-f]{16}$/);
    const scored = runCli(['eval', '--model', model]);
    expect(scored.stdout).toMatch(/^fashion-mnist test set, 10,000 images: accuracy \d\d\.\d\d%/);
    const predicted = runCli(['predict', '--model', model, '--index', '0']);
    expect(predicted.stdout).toMatch(/\(true label Ankle boot\)/);
  });

  it('warns when told to score it on another data set, and refuses one it cannot take', () => {
    const other = runCli(['eval', '--model', model, '--data', 'mnist']);
    expect(other.status).toBe(0);
    expect(other.stderr).toContain(`warning: ${model} was trained on fashion-mnist`);
    const folder = join(temporaryFolder(), 'small');
    const wrong = runCli(['eval', '--model', model, '--data', smallDataFolder(folder)]);
    expect(wrong.status).toBe(3);
    expect(wrong.stderr.trim().split('\n').pop()).toBe(
      `mnist-softmax: error: --data ${folder}: images of 10×10 in 10 classes, but the model ${model} takes 28×28 in 10`,
    );
  });
});

describe('--optimizer lbfgs', () => {
  it('descends at every iteration, logging its loss, gradient norm and step', () => {
    const { out, json } = train([
      '--optimizer',
      'lbfgs',
      '--epochs',
      '30',
      '--weight-decay',
      '0.0002',
      '--train-limit',
      '5000',
      '--test-limit',
      '1000',
    ]);
    const history = readHistory(out);
    expect(history).toHaveLength(30);
    for (let i = 1; i < history.length; i++) {
      expect(history[i].trainLoss).toBeLessThan(history[i - 1].trainLoss); // Armijo's condition
    }
    expect(history[29].gradientNorms[0]).toBeLessThan(history[0].gradientNorms[0] / 10);
    expect(json.testAccuracy).toBeGreaterThan(0.85);
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const steps = events.filter((line) => line.type === 'step');
    expect(steps.map((line) => line.step)).toEqual(history.map((m) => m.epoch));
    expect(steps.every((line) => line.learningRate > 0)).toBe(true);
    expect(steps.map((line) => line.loss)).toEqual(history.map((m) => m.trainLoss));
    const summary = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(summary.config).toMatchObject({
      optimizer: 'lbfgs',
      learningRate: null,
      batchSize: null,
    });
    const resumed = runCli(['train', '--resume', out]);
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/an L-BFGS run cannot continue/);
  });

  it('refuses what it cannot train', () => {
    for (const [option, message] of [
      [['--hidden', '32'], /lbfgs trains softmax regression only/],
      [['--loss', 'mse'], /lbfgs minimises the cross-entropy/],
      [['--check-tfjs'], /--check-tfjs replays sgd, momentum and adam/],
    ] as const) {
      const out = join(temporaryFolder(), 'run');
      const result = runCli(['train', '--optimizer', 'lbfgs', ...option, '--out', out]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  // λ = 1/60000: scikit-learn's C = 1 on MNIST's 60,000 images (≈ 4 s here, 50 iterations)
  it('reaches 92.6% on MNIST, as scikit-learn does', () => {
    const { json } = train(['--optimizer', 'lbfgs', '--weight-decay', String(1 / 60000)]);
    expect(json.testAccuracy).toBeGreaterThanOrEqual(0.926);
  });

  it.skipIf(!long || !haveFashion)('and 84.3% on Fashion-MNIST (10 s: npm run test:long)', () => {
    const { json } = train([
      '--optimizer',
      'lbfgs',
      '--weight-decay',
      String(1 / 60000),
      '--data',
      'fashion',
    ]);
    expect(json.testAccuracy).toBeGreaterThanOrEqual(0.843);
  });
});

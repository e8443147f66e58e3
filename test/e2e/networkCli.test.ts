// Networks with hidden layers through the command line: train, save and eval as a user does, and
// the options it refuses (exit code 2, one line). test/network.test.ts has the networks themselves.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/run/runFiles.js';
import { runCli, temporaryFolder } from '../helpers.js';

describe('the CLI with hidden layers', () => {
  it('trains, saves, and eval reads the same accuracy at batch sizes 1 and 1000', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli([
      'train',
      '--hidden',
      '32',
      '--batchnorm',
      '--optimizer',
      'adam',
      '--train-limit',
      '3000',
      '--test-limit',
      '500',
      '--epochs',
      '1',
      '--json',
      '--no-progress',
      '--out',
      out,
    ]);
    expect(result.status).toBe(0);
    const trained = JSON.parse(result.stdout);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.config).toMatchObject({
      model: '784-32-10 (batchnorm, relu)',
      optimizer: 'adam',
      learningRate: 0.005,
    });
    expect(readHistory(out)[0].gradientNorms).toHaveLength(2);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8')).toMatch(
      /^epoch,.*learningRate,gradientNorm1,gradientNorm2\n/,
    );
    for (const batchSize of ['1', '1000']) {
      const evaluation = runCli([
        'eval',
        '--model',
        join(out, 'model.json'),
        '--test-limit',
        '500',
        '--batch-size',
        batchSize,
        '--json',
      ]);
      expect(JSON.parse(evaluation.stdout).accuracy).toBe(trained.testAccuracy);
    }
  });

  const errors: [string[], RegExp][] = [
    [['--hidden', '16', '--init', 'zeros'], /--init zeros works only for softmax regression/],
    [['--batchnorm'], /--batchnorm needs hidden layers/],
    [['--hidden', '0'], /--hidden must be at least 1/],
    [['--hidden', '16,x'], /--hidden must be an integer/],
    [['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, momentum, adam/],
    [['--momentum', '1'], /--momentum must be a number in \[0, 1\)/],
    [['--weight-decay', '-1'], /--weight-decay must be at least 0/],
    [['--lr-schedule', 'linear'], /--lr-schedule must be one of constant, step, cosine/],
    [['--loss', 'hinge'], /--loss must be one of cross-entropy, mse/],
  ];
  for (const [args, message] of errors) {
    it(`refuses ${args.join(' ')}`, () => {
      const result = runCli(['train', ...args, '--out', join(temporaryFolder(), 'run')]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

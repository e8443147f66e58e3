// `mnist-softmax explain` as a process: its help, its output on a model trained by `train`,
// and its refusals, each one line with its exit code.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeGreyPng } from '../../src/data/png.js';
import { runCli, temporaryFolder } from '../helpers.js';

const folder = temporaryFolder();
const model = join(folder, 'run', 'model.json');
{
  const args = ['train', '--epochs', '1', '--train-limit', '5000', '--test-limit', '200'];
  const result = runCli([...args, '--optimizer', 'sgd', '--out', join(folder, 'run')]);
  expect(result.status, result.stderr).toBe(0);
}
/** A dark "1" on white paper. */
const drawing = join(folder, 'one.png');
{
  const grey = new Uint8Array(60 * 60).fill(255);
  for (let y = 10; y < 50; y++) for (let x = 28; x < 33; x++) grey[y * 60 + x] = 0;
  writeFileSync(drawing, encodeGreyPng(grey, 60, 60));
}

/** A refusal: one line on stderr naming what is wrong, nothing on stdout, this exit code. */
function expectRefused(args: string[], status: number, names: string) {
  const result = runCli(['explain', ...args]);
  expect(result.status, result.stderr).toBe(status);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(names);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('explain', () => {
  it('--help shows the options, their defaults and examples', () => {
    const result = runCli(['explain', '--help']);
    expect(result.status).toBe(0);
    for (const text of ['--model <file>', '--index <n>', '--label <k>', '--lr <rate>', '--json']) {
      expect(result.stdout).toContain(text);
    }
    const help = result.stdout.replace(/\s+/g, ' '); // as read, unwrapped
    expect(help).toMatch(/default: the run's base rate, its --lr[^)]*else 0\.5/);
    expect(result.stdout).toContain('(default: "wasm")');
    expect(result.stdout).toContain('Examples:\n  $ mnist-softmax explain --model');
    expect(runCli(['--help']).stdout).toMatch(/^ {2}explain /m);
  });

  it('explains a test image: the layers, p, both gradients, the step and tfjs', () => {
    const result = runCli(['explain', '--model', model, '--index', '0']);
    expect(result.status, result.stderr).toBe(0);
    const text = result.stdout;
    expect(text).toContain('test image 0 of mnist, target class 7 (the test label)');
    expect(text).toMatch(/cross-entropy L = −ln p_7 = \d/);
    expect(text).toContain('dz = (dp − dot(dp, p)) ⊙ p');
    const unwrapped = text.replace(/\s+/g, ' ');
    expect(unwrapped).toMatch(
      /at lr 0\.5 \(the run's base rate, its --lr; it trained with sgd on a cosine schedule; neither the schedule nor a rate set by hand while it ran is applied here\)/,
    );
    expect(unwrapped).toMatch(/largest \|difference\| \S+, within the target 1e-5/);
    // piped: 80 columns
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('--json: a PNG with --label, every tensor named', () => {
    const result = runCli(['explain', '--model', model, drawing, '--label', '1', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.sample).toMatchObject({ file: drawing, label: 1, class: '1' });
    for (const key of ['input', 'logits', 'probabilities', 'y', 'jacobian', 'formulas']) {
      expect(json).toHaveProperty(key);
    }
    expect(json.crossEntropy.dlogits).toHaveLength(10);
    expect(json.squaredError.dlogits).toHaveLength(10);
    expect(json.steps.mse.parameters[0].gradient).toHaveLength(784);
    expect(json.tfjs.maxAbsDiff).toBeLessThan(1e-5);
  });

  it('refuses a bad command line with exit 2, a bad file with exit 3, in one line', () => {
    expectRefused(['--model', model, '--index', '10000'], 2, '--index 10000');
    expectRefused(['--model', model, '--index', '-1'], 2, '--index');
    expectRefused(['--model', model, drawing], 2, '--label');
    expectRefused(['--model', model], 2, '--index N');
    expectRefused(['--model', model, drawing, '--index', '3'], 2, 'not both');
    expectRefused(['--model', model, '--index', '0', '--label', '10'], 2, '--label 10');
    expectRefused(['--model', model, '--index', '0', '--lr', '0'], 2, '--lr');
    expectRefused(['--model', join(folder, 'missing.json'), '--index', '0'], 3, 'missing.json');
    expectRefused(
      ['--model', model, join(folder, 'missing.png'), '--label', '1'],
      3,
      'missing.png',
    );
  });
});

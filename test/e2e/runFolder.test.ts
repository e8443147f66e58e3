// What a run folder guarantees, each tested on real processes: one writer, default names that
// never collide, consistency after kill -9, a lost stdout, and nothing overwritten unasked.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/random.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';
import { readHistory } from '../../src/run/runFiles.js';

const CLI = join(ROOT, 'bin/mnist-softmax.js');
/** A run short enough to start many, with epochs frequent enough to be killed between. */
const SMALL = ['--train-limit', '2000', '--test-limit', '500', '--no-progress'];

function start(args: string[], cwd = ROOT, stdout: 'pipe' | number = 'pipe'): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', stdout, 'pipe'] });
}

function finished(child: ChildProcess): Promise<{ status: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** The epoch each of the three files describes, or null where the file is not there yet. */
function epochsDescribed(folder: string) {
  const read = (name: string) =>
    existsSync(join(folder, name)) ? readJson(join(folder, name)) : null;
  return {
    metrics: (read('metrics.json')?.epochsRun as number | undefined) ?? null,
    model: (read('model.json')?.training.epochsRun as number | undefined) ?? null,
    checkpoint: (read('checkpoint.json')?.state.epoch as number | undefined) ?? null,
  };
}

describe('a run folder', () => {
  it('has one writer: a second train --out, --force or --resume is refused, naming the holder', async () => {
    const folder = join(temporaryFolder(), 'run');
    const first = start(['train', '--out', folder, ...SMALL, '--epochs', '400']);
    const firstDone = finished(first);
    await until(() => existsSync(join(folder, 'checkpoint.json')));
    for (const args of [
      ['--out', folder],
      ['--out', folder, '--force'],
      ['--resume', folder],
    ]) {
      const second = runCli(['train', ...args, ...SMALL]);
      expect(second.status).toBe(3);
      expect(second.stderr).toContain(
        `${folder}: the run folder is in use by process ${first.pid}`,
      );
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
    }
    first.kill('SIGINT');
    expect((await firstDone).status).toBe(130);
    expect(existsSync(join(folder, '.lock'))).toBe(false);
    const resumed = runCli([
      'train',
      '--resume',
      folder,
      '--epochs',
      String(readJson(join(folder, 'checkpoint.json')).state.epoch + 1),
    ]);
    expect(resumed.status).toBe(0);
  });

  it('takes over the lock of a process that is gone, with a warning', () => {
    const folder = join(temporaryFolder(), 'run');
    mkdirSync(folder);
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    const pid = Number(gone.stdout.trim());
    writeFileSync(join(folder, '.lock'), JSON.stringify({ pid, host: hostname(), started: '' }));
    const result = runCli(['train', '--out', folder, '--force', ...SMALL, '--epochs', '1']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`taking over the lock of process ${pid}, which is gone`);
    expect(existsSync(join(folder, '.lock'))).toBe(false);
  });

  it('gets a folder of its own by default, also for ten runs started at once', async () => {
    const cwd = temporaryFolder();
    const runs = Array.from({ length: 10 }, () =>
      finished(start(['train', ...SMALL, '--steps', '1'], cwd)),
    );
    const results = await Promise.all(runs);
    for (const result of results) expect(result.status, result.stderr).toBe(0);
    const folders = readdirSync(join(cwd, 'runs'));
    expect(folders).toHaveLength(10);
    for (const name of folders) {
      expect(existsSync(join(cwd, 'runs', name, 'model.json'))).toBe(true);
      expect(existsSync(join(cwd, 'runs', name, 'report.html'))).toBe(true);
    }
  });

  it('describes one epoch in metrics, model and checkpoint after kill -9 at any moment', async () => {
    const random = new Random(13);
    const root = temporaryFolder();
    for (let kill = 0; kill < 20; kill++) {
      const folder = join(root, `run${kill}`);
      const child = start(['train', '--out', folder, ...SMALL, '--epochs', '400']);
      const done = finished(child);
      await until(() => existsSync(join(folder, '.lock')));
      await new Promise((resolve) => setTimeout(resolve, 100 + random.next() * 900));
      child.kill('SIGKILL');
      await done;
      const { metrics, model, checkpoint } = epochsDescribed(folder);
      expect(metrics, `kill ${kill}`).toBe(checkpoint);
      expect(model, `kill ${kill}`).toBe(checkpoint);
      if (checkpoint === null) continue;
      // a resume clears what the killed process left, and goes on
      const resumed = runCli(['train', '--resume', folder, '--epochs', String(checkpoint + 1)]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain('taking over the lock');
      expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
      // the history was cut back to the checkpoint's epochs, then grew by one line
      expect(readHistory(folder).map((line) => line.epoch)).toEqual(
        Array.from({ length: checkpoint + 1 }, (_, i) => i + 1),
      );
      expect(epochsDescribed(folder)).toEqual({
        metrics: checkpoint + 1,
        model: checkpoint + 1,
        checkpoint: checkpoint + 1,
      });
    }
  });

  it('finishes, with every file, when its stdout is closed or full', async () => {
    const root = temporaryFolder();
    const closed = join(root, 'closed');
    const child = start(['train', '--out', closed, ...SMALL, '--epochs', '3']);
    const done = finished(child);
    // read the first line, then close the pipe, as `| head -n 1` does
    await new Promise<void>((resolve) =>
      child.stdout!.once('data', () => {
        child.stdout!.destroy();
        resolve();
      }),
    );
    const result = await done;
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(readHistory(closed)).toHaveLength(3);
    expect(existsSync(join(closed, 'report.html'))).toBe(true);

    const full = join(root, 'full');
    const toFull = await finished(
      start(['train', '--out', full, ...SMALL, '--epochs', '2'], ROOT, openSync('/dev/full', 'w')),
    );
    expect(toFull.status).toBe(0);
    expect(toFull.stderr).not.toMatch(/ENOSPC|\n\s+at /);
    expect(existsSync(join(full, 'report.html'))).toBe(true);
  });
});

describe('export', () => {
  it('never writes over its source, nor over a file or folder without --force', () => {
    const folder = join(temporaryFolder(), 'run');
    expect(runCli(['train', '--out', folder, ...SMALL, '--epochs', '1']).status).toBe(0);
    const model = join(folder, 'model.json');
    const before = readFileSync(model);
    const refusals: [string[], string][] = [
      [['--png', model], 'is the source model'],
      [['--png', model, '--force'], 'is the source model'],
      [['--tfjs', folder], 'would overwrite the source model'],
      [['--tfjs', folder, '--force'], 'would overwrite the source model'],
      [['--png', join(folder, 'weights.png')], 'already exists; pass --force'],
      [['--tfjs', join(folder, '..')], 'already holds files; pass --force'],
    ];
    for (const [args, message] of refusals) {
      const result = runCli(['export', '--model', model, ...args]);
      expect(result.status, args.join(' ')).toBe(3);
      expect(result.stderr).toContain(message);
    }
    expect(readFileSync(model).equals(before)).toBe(true);
    const forced = runCli([
      'export',
      '--model',
      model,
      '--png',
      join(folder, 'weights.png'),
      '--force',
    ]);
    expect(forced.status).toBe(0);
  });
});

// Making a run folder ends, in one line, where the file system never lets it be made: under
// /proc (where Node's own recursive mkdir spins for ever, deaf to SIGTERM), in a working
// directory that was deleted, through the studio's API. And SIGHUP (the terminal closed) ends a
// training as SIGTERM does: its end line, exit 130, a settled and unlocked folder.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/run/runFiles.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';

const CLI = join(ROOT, 'bin/mnist-softmax.js');
const SMALL = ['--train-limit', '2000', '--test-limit', '500', '--no-progress'];
/** Where a folder can never be made (Linux). */
const NOWHERE = '/proc/nope';
const haveProc = existsSync('/proc/self');

/** Runs a shell command line, killed (-9) after `seconds`; with how long it took. */
function shell(line: string, seconds = 20) {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', line], {
    encoding: 'utf8',
    timeout: seconds * 1000,
    killSignal: 'SIGKILL',
  });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function exited(child: ChildProcess): Promise<{ status: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

describe('a run folder that cannot be made', () => {
  it.skipIf(!haveProc)(`train --out ${NOWHERE}/run: one line, exit 3, at once`, () => {
    const result = shell(
      `exec ${quote(process.execPath)} ${quote(CLI)} train --out ${NOWHERE}/run ${SMALL.join(' ')}`,
    );
    expect(result.signal, 'killed after 20 s').toBeNull();
    expect(result.status).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      `mnist-softmax: error: --out ${NOWHERE}/run: cannot be created or written (ENOENT)`,
    ]);
    expect(result.seconds).toBeLessThan(10);
  });

  for (const [kind, out] of [
    ['a relative', 'results/run1'],
    ['an absolute', join(temporaryFolder(), 'run1')],
  ]) {
    it(`train --out <${kind} path> in a deleted working directory: one line, exit 3`, () => {
      const cwd = join(temporaryFolder(), 'gone');
      mkdirSync(cwd);
      const result = shell(
        `cd ${quote(cwd)} && rmdir ${quote(cwd)} && ` +
          `exec ${quote(process.execPath)} ${quote(CLI)} train --out ${quote(out)} ${SMALL.join(' ')}`,
      );
      expect(result.signal, 'killed after 20 s').toBeNull();
      expect(result.status, result.stderr).toBe(3);
      expect(result.stderr.trim().split('\n')).toEqual([
        `mnist-softmax: error: --out ${out}: the working directory no longer exists (ENOENT); ` +
          'run from a folder that does',
      ]);
      expect(existsSync(out)).toBe(false);
    });
  }

  it.skipIf(!haveProc)(`the studio with --runs ${NOWHERE} answers a new run at once`, async () => {
    const studio = spawn(process.execPath, [CLI, 'studio', '--runs', NOWHERE, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        studio.stdout!.on('data', (chunk) => {
          text += chunk;
          const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
          if (match) resolve(Number(match[1]));
        });
        studio.on('exit', (code) => reject(new Error(`studio exited with ${code}`)));
      });
      const started = performance.now();
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const call = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/runs',
            headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' },
            timeout: 10_000,
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          },
        );
        call.on('timeout', () => call.destroy(new Error('no answer in 10 s')));
        call.on('error', reject);
        call.end(JSON.stringify({ epochs: 1 }));
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.text).toContain(`${NOWHERE}: cannot create the runs folder (ENOENT)`);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      studio.kill('SIGKILL');
    }
  });
});

describe('train on SIGHUP', () => {
  it('stops as on SIGTERM: exit 130, its end line, a clean folder, and --resume goes on', async () => {
    const folder = join(temporaryFolder(), 'run');
    const child = spawn(
      process.execPath,
      [CLI, 'train', '--out', folder, ...SMALL, '--epochs', '400'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const done = exited(child);
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(folder, 'checkpoint.json')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGHUP');
    const { status, stderr } = await done;
    expect(status, stderr).toBe(130);
    expect(stderr).toMatch(/SIGHUP: stopping after this batch/);
    expect(stderr).toMatch(
      /interrupted (in epoch \d+ after batch \d+ of \d+|after epoch \d+); every finished epoch \(\d+\) is saved in .*; continue with: mnist-softmax train --resume /,
    );
    // plain files: no .current, .epochs, symlinks or lock
    expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
    for (const name of ['model.json', 'checkpoint.json', 'metrics.json']) {
      expect(existsSync(join(folder, name))).toBe(true);
    }
    const events = readFileSync(join(folder, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(events[events.length - 1])).toMatchObject({
      type: 'end',
      status: 'interrupted',
    });
    const epochs = JSON.parse(readFileSync(join(folder, 'checkpoint.json'), 'utf8')).state.epoch;
    const resumed = runCli(['train', '--resume', folder, '--epochs', String(epochs + 1)]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('taking over the lock');
    expect(readHistory(folder).map((line) => line.epoch)).toEqual(
      Array.from({ length: epochs + 1 }, (_, i) => i + 1),
    );
  });
});

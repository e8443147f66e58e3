// A run stopped by Ctrl-C in a terminal writes its report and weight picture, marked as stopped,
// of the model saved at its last finished epoch.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readPngGrey } from '../../src/data/png.js';
import { ROOT, temporaryFolder } from '../helpers.js';

it('writes report.html and weights.png "stopped after epoch e, batch b" on Ctrl-C', async () => {
  const out = join(temporaryFolder(), 'run');
  const args = ['train', '--hidden', '32', '--epochs', '50', '--no-progress', '--out', out];
  const child = spawn(process.execPath, [join(ROOT, 'bin/mnist-softmax.js'), ...args]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const history = join(out, 'metrics.jsonl');
  const deadline = Date.now() + 90_000;
  while (!(existsSync(history) && readFileSync(history, 'utf8').trim()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code).toBe(130);
  // the terminal's line and the report agree on where it stopped
  // (a signal during an epoch's last batch or test pass stops the run after that epoch)
  const where = /interrupted (?:in epoch (\d+) after batch (\d+)|after epoch (\d+))/.exec(stderr)!;
  const finished = where[3] ? Number(where[3]) : Number(where[1]) - 1;
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  const batch = where[2] ? `, batch ${where[2]}` : '';
  expect(report).toContain(`stopped after epoch ${finished}${batch}`);
  // the picture's caption: black text above the tiles (whose colours are never black)
  const picture = readPngGrey(join(out, 'weights.png'));
  const top = picture.pixels.subarray(0, 20 * picture.width);
  expect(top.some((value) => value === 0)).toBe(true);
  // of the model saved at the last finished epoch
  expect(readFileSync(join(out, 'metrics.json'), 'utf8')).toContain(`"epochsRun": ${finished}`);
}, 120_000);

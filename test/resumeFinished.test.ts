// A resume of a run that has nothing left to train (its epochs, or its --steps, all taken) is
// refused in one line naming the folder, with every file left as it was; --epochs more than it
// ran continues it. Real runs on 2000 MNIST images.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun } from '../src/run/run.js';
import { temporaryFolder } from './helpers.js';

const SMALL = { ...RUN_DEFAULTS, trainLimit: 2000, testLimit: 500 };

/** Every file of `folder` with its bytes and modification time. */
const snapshot = (folder: string) =>
  readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path, readFileSync(path, 'utf8'), statSync(path).mtimeMs];
    });

describe('--resume of a finished run', () => {
  it('is refused, naming the folder, its files untouched; --epochs more continues it', async () => {
    const out = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, epochs: 1 }, { out, threads: 1 });
    const before = snapshot(out);
    for (const epochs of [undefined, 1]) {
      const resumed = startRun({}, { resume: out, epochs, threads: 1 });
      await expect(resumed).rejects.toThrow(UsageError);
      await expect(resumed).rejects.toThrow(
        `--resume ${out}: already finished its 1 epoch; pass --epochs N (more than 1) to train it further`,
      );
    }
    expect(snapshot(out)).toEqual(before);
    const extended = await startRun({}, { resume: out, epochs: 2, threads: 1 });
    expect(extended.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });

  it('is refused for a --steps run that has taken its steps', async () => {
    const out = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, steps: 30 }, { out, threads: 1 });
    const before = snapshot(out);
    const resumed = startRun({}, { resume: out, threads: 1 });
    await expect(resumed).rejects.toThrow(`--resume ${out}: already finished its 30 steps`);
    expect(snapshot(out)).toEqual(before);
  });
});

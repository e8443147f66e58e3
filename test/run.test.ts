// The Run API as the library and the studio drive it: typed events, a stop, the folder released.

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError, UsageError } from '../src/errors.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun, type RunEvent } from '../src/run/run.js';
import { readHistory } from '../src/run/runFiles.js';
import { temporaryFolder } from './helpers.js';

const SMALL = { ...RUN_DEFAULTS, trainLimit: 3000, testLimit: 500, epochs: 2 };

describe('startRun', () => {
  it('reports started, steps, each epoch and finished, and leaves plain files and no lock', async () => {
    const out = join(temporaryFolder(), 'run');
    const events: RunEvent[] = [];
    const result = await startRun(SMALL, { out, threads: 1 }, { onEvent: (e) => events.push(e) });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('started');
    expect(types.filter((type) => type === 'step')).toHaveLength(60);
    expect(types.filter((type) => type === 'epoch')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('finished');
    const epochs = events.flatMap((event) => (event.type === 'epoch' ? [event.metrics] : []));
    expect(readHistory(out)).toEqual(epochs);
    expect(result.last).toEqual(epochs[1]);
    expect(readdirSync(out).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('stops when asked, says what was saved, and a resume continues', async () => {
    const out = join(temporaryFolder(), 'run');
    let steps = 0;
    const events: RunEvent[] = [];
    const stopped = startRun(
      { ...SMALL, epochs: 3 },
      { out, threads: 1 },
      { onEvent: (e) => events.push(e), shouldStop: () => ++steps > 45 },
    );
    await expect(stopped).rejects.toThrow(InterruptedError);
    await expect(stopped).rejects.toThrow(/every finished epoch \(1\) is saved/);
    expect(events[events.length - 1]).toMatchObject({ type: 'interrupted', epochs: 1 });
    const resumed = await startRun(SMALL, { resume: out, epochs: 3, threads: 1 });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('resumes a run whose checkpoint is of version 1 (the history inside it, no metrics.jsonl)', async () => {
    const out = join(temporaryFolder(), 'run');
    await startRun({ ...SMALL, epochs: 1 }, { out, threads: 1 });
    const file = join(out, 'checkpoint.json');
    const checkpoint = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...checkpoint, version: 1, history: readHistory(out) }));
    rmSync(join(out, 'metrics.jsonl'));
    const resumed = await startRun(SMALL, { resume: out, epochs: 2, threads: 1 });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(readHistory(out).map((e) => e.epoch)).toEqual([1, 2]);
  });

  it('refuses rules of the network before making a folder', async () => {
    const root = temporaryFolder();
    const out = join(root, 'run');
    await expect(startRun({ ...SMALL, batchnorm: true }, { out })).rejects.toThrow(UsageError);
    expect(existsSync(out)).toBe(false);
  });
});

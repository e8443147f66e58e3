// The library's door and the run's record: `train()` checks its options as the command line
// does, records only the run's own, and a checkpoint of the older shape (which also held the
// command line's out, force, json, progress, threads, engine) still resumes, bit for bit.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { train } from '../src/index.js';
import { temporaryFolder } from './helpers.js';

const SMALL = { trainLimit: 1000, testLimit: 200 };
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('train() at the library’s door', () => {
  it('types values as the command line would, and records only the run’s options', async () => {
    const out = join(temporaryFolder(), 'run');
    // text for a number, a number for a list: as `--epochs 2 --hidden 16` would give them
    const options = { ...SMALL, epochs: '2', hidden: 16, momentum: 0.5 } as unknown as Record<
      string,
      never
    >;
    const warnings: string[] = [];
    const result = await train(options, { out, threads: 1 }, { warn: (w) => warnings.push(w) });
    // the library warns of what the run ignores, as the command line does
    expect(warnings).toEqual(['warning: --momentum has no effect with --optimizer adam']);
    expect(result.config.epochs).toBe(2);
    expect(result.config.hidden).toEqual([16]);
    const saved = readJson(join(out, 'checkpoint.json')).options;
    expect(saved.epochs).toBe(2);
    expect(saved.hidden).toEqual([16]);
    for (const name of ['out', 'force', 'json', 'progress', 'threads', 'engine', 'checkTfjs']) {
      expect(saved).not.toHaveProperty(name);
    }
    const config = readJson(join(out, 'metrics.json')).config;
    for (const name of ['out', 'force', 'json', 'progress', 'threads']) {
      expect(config).not.toHaveProperty(name);
    }
  });

  it('refuses what the command line refuses, with its words', async () => {
    const out = join(temporaryFolder(), 'run');
    const refused = (options: object) => train(options as never, { out, threads: 1 });
    await expect(refused({ epochs: 'two' })).rejects.toThrow(UsageError);
    await expect(refused({ epochs: 'two' })).rejects.toThrow(
      '--epochs must be an integer, not "two".',
    );
    await expect(refused({ hidden: [0] })).rejects.toThrow('--hidden must be at least 1, not 0.');
    await expect(refused({ out: 'elsewhere' })).rejects.toThrow('"out" is not a train option');
    await expect(refused({ colour: 'red' })).rejects.toThrow(UsageError);
  });
});

describe('a checkpoint of the older shape', () => {
  it('resumes as the run would have gone on, with the command line’s options it held ignored', async () => {
    const base = temporaryFolder();
    // the reference engine: the old checkpoint's options name it, and the resume must use it
    const reference = { ...SMALL, engine: 'reference' as const };
    const straight = await train(
      { ...reference, epochs: 2 },
      { out: join(base, 'straight'), threads: 1 },
    );
    const out = join(base, 'old');
    await train({ ...reference, epochs: 1 }, { out, threads: 1 });
    // the checkpoint as `train --out X` wrote it before: every command-line option in it
    const file = join(out, 'checkpoint.json');
    const checkpoint = readJson(file);
    expect(checkpoint.engine).toBe('reference'); // today's shape: beside the options
    delete checkpoint.engine;
    checkpoint.options = {
      ...checkpoint.options,
      checkTfjs: false,
      engine: 'reference',
      force: true,
      progress: false,
      json: true,
      threads: 2,
      out,
    };
    writeFileSync(file, JSON.stringify(checkpoint));
    const resumed = await train({}, { resume: out, epochs: 2, threads: 1 });
    expect(resumed.last.epoch).toBe(2);
    const layers = (folder: string) => readJson(join(folder, 'model.json')).layers;
    expect(layers(out)).toEqual(layers(straight.folder));
    expect(readJson(file).options).not.toHaveProperty('out');
  });
});

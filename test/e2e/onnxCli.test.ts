// `export --onnx` as users run it: real processes on a model trained on real MNIST. The file it
// writes loads in ONNX Runtime and classifies as `eval` does; an existing file, a folder, the
// source model, a place that cannot be written and a disk that fills are each refused in one
// line with exit 3, in bounded time, and never leave a half-written file.

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, readModelFile } from '../../src/index.js';
import { MNIST, runCli, temporaryFolder } from '../helpers.js';
import { cliIn, expectRefusal } from './faultyCli.js';

ort.env.wasm.numThreads = 1;

const folder = temporaryFolder();
const run = join(folder, 'run');
const trained = runCli([
  'train',
  '--hidden',
  '16',
  '--batchnorm',
  '--epochs',
  '1',
  '--train-limit',
  '2000',
  '--test-limit',
  '100',
  '--no-progress',
  '--out',
  run,
]);
if (trained.status !== 0) throw new Error(trained.stderr);
const model = join(run, 'model.json');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const cli = cliIn(folder);

const exportTo = (file: string, ...more: string[]) =>
  cli(['export', '--model', model, '--onnx', file, ...more]);

describe('export --onnx', () => {
  it('writes a model ONNX Runtime runs, classifying as eval does', async () => {
    const file = join(folder, 'model.onnx');
    const result = exportTo(file);
    expect(result.status).toBe(0);
    expect(result.stderr.replace(/\s+/g, ' ')).toMatch(
      /^ONNX model written to .*model\.onnx: input "pixels" \(batch, 784\) raw pixels 0–255, output "probabilities" \(batch, 10\) $/,
    );
    expect(readdirSync(folder).sort()).toEqual(['model.onnx', 'run']); // no temporary left
    const session = await ort.InferenceSession.create(readFileSync(file));
    const data = await loadDataset(MNIST, { testOnly: true, testLimit: 500 });
    const { images, count } = data.test;
    const pixels = Float32Array.from(images.subarray(0, count * 784));
    const output = await session.run({ pixels: new ort.Tensor('float32', pixels, [count, 784]) });
    await session.release();
    const theirs = output.probabilities.data as Float32Array;
    const { network } = await readModelFile(model);
    const ours = network.classify(images.subarray(0, count * 784), count);
    for (let i = 0; i < theirs.length; i++) {
      expect(Math.abs(theirs[i] - ours.probabilities[i])).toBeLessThan(1e-5);
    }
  });

  it('refuses an existing file without --force, keeping it; replaces it with --force', () => {
    const file = join(folder, 'kept.onnx');
    writeFileSync(file, 'mine');
    expectRefusal(exportTo(file), 3, /error: --onnx .*kept\.onnx: already exists; pass --force/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    expect(exportTo(file, '--force').status).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(4 * 784 * 16);
  });

  it('refuses a folder and the source model, even with --force', () => {
    const source = readFileSync(model, 'utf8');
    const place = join(folder, 'a-folder');
    mkdirSync(place);
    expectRefusal(
      exportTo(place, '--force'),
      3,
      /error: --onnx .*a-folder: is a folder; name a file$/,
    );
    expectRefusal(
      exportTo(model, '--force'),
      3,
      /error: --onnx .*model\.json: is the source model$/,
    );
    // a run folder named as --model: its model.json is the source
    const byFolder = cli(['export', '--model', run, '--onnx', model, '--force']);
    expectRefusal(byFolder, 3, /error: --onnx .*model\.json: is the source model$/);
    expect(readFileSync(model, 'utf8')).toBe(source);
  });

  it('refuses a place that cannot be written, in one line and in bounded time', () => {
    const result = cli(['export', '--model', model, '--onnx', '/proc/nope/x.onnx'], {}, 30_000);
    expectRefusal(result, 3, /error: \/proc\/nope\/x\.onnx: cannot write \(ENOENT\)$/);
    expect(result.seconds).toBeLessThan(30);
  });

  it('leaves nothing when the disk fills; a --force export that fails keeps the old file', () => {
    const parent = join(folder, 'full');
    mkdirSync(parent);
    const file = join(parent, 'model.onnx');
    const full = { MNIST_SOFTMAX_FAULT: 'enospc', MNIST_SOFTMAX_FAULT_FILE: 'model.onnx' };
    expectRefusal(cli(['export', '--model', model, '--onnx', file], full), 3, /ENOSPC/);
    expect(readdirSync(parent)).toEqual([]); // neither the file nor its temporary
    expect(exportTo(file).status).toBe(0);
    const before = readFileSync(file);
    const again = cli(['export', '--model', model, '--onnx', file, '--force'], full);
    expectRefusal(again, 3, /model\.onnx: cannot write \(ENOSPC\)$/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(parent)).toEqual(['model.onnx']);
  });

  it('says what export needs when given no target, and lists --onnx in its help', () => {
    expectRefusal(
      cli(['export', '--model', model]),
      2,
      /export needs --onnx FILE, --tfjs DIR or --png FILE/,
    );
    const help = cli(['export', '--help']);
    expect(help.stdout).toContain('--onnx <file>');
    expect(help.stdout).toContain('export --model model.json --onnx model.onnx');
  });
});

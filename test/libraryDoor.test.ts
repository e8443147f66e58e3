// The library's door: what a caller hands classifyPixels, predictImage and evaluate is checked
// as the command line checks its input, and refused in one line (a UserError), never answered
// with NaN probabilities, a made-up accuracy or a loop that does not end. Through the package's
// own exports, on a model trained on real MNIST.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  classifyPixels,
  DataError,
  evaluate,
  loadDataset,
  predictImage,
  readModelFile,
  train,
  UsageError,
  type Split,
} from '../src/index.js';
import { MNIST, ROOT, temporaryFolder } from './helpers.js';

const out = join(temporaryFolder(), 'run');
await train({ steps: 30, trainLimit: 3000, testLimit: 100 }, { out, threads: 1 });
const { network } = await readModelFile(join(out, 'model.json'));
const data = await loadDataset(MNIST, { testOnly: true, testLimit: 100 });
const digit = data.test.images.subarray(0, 784);

/** Calls `call`, expecting a refusal of `type` in one line matching `message`. */
function refused(call: () => unknown, type: typeof UsageError | typeof DataError, message: RegExp) {
  let caught: unknown = null;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  const text = (caught as Error).message;
  expect(text).toMatch(message);
  expect(text).not.toContain('\n');
}

describe('classifyPixels', () => {
  it('refuses pixels that are not the model’s 784 values in 0–255', () => {
    refused(() => classifyPixels(network, [1, 2, 3]), UsageError, /3 values where 784 are needed/);
    refused(
      () => classifyPixels(network, new Array(784).fill(NaN)),
      UsageError,
      /value NaN at index 0 is not a pixel \(0–255\)/,
    );
    const huge = new Array(784).fill(0);
    huge[300] = 1e300;
    refused(() => classifyPixels(network, huge), UsageError, /value 1e\+300 at index 300/);
    refused(() => classifyPixels(network, new Array(784).fill(-1)), UsageError, /value -1/);
    refused(() => classifyPixels(network, null as never), UsageError, /not an array/);
  });

  it('still classifies a real digit, with probabilities that sum to 1', () => {
    const { label, probabilities } = classifyPixels(network, digit);
    expect(label).toBe(String(data.test.labels[0]));
    expect(probabilities.every(Number.isFinite)).toBe(true);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe('predictImage', () => {
  it('refuses sizes that are not whole numbers ≥ 1, and too few pixels', () => {
    const pixels = new Uint8Array(28 * 28);
    refused(
      () => predictImage(network, { width: -4, height: 28, pixels }),
      UsageError,
      /image width -4 is not a whole number ≥ 1/,
    );
    refused(
      () => predictImage(network, { width: 28.5, height: 28, pixels }),
      UsageError,
      /image width 28\.5/,
    );
    refused(
      () => predictImage(network, { width: 28, height: 28, pixels: pixels.subarray(0, 100) }),
      UsageError,
      /the 28×28 image's pixels: 100 values where 784 are needed/,
    );
  });

  it('refuses an image larger than the PNG reader decodes, at once (in a process: today it never returns)', () => {
    // a separate process, so that a call that never returns fails the test instead of hanging it
    const index = pathToFileURL(join(ROOT, 'dist/index.js')).href;
    const script = `
      const { predictImage, readModelFile } = await import(${JSON.stringify(index)});
      const { network } = await readModelFile(${JSON.stringify(join(out, 'model.json'))});
      try {
        predictImage(network, { width: 100000, height: 100000, pixels: new Uint8Array(0) });
        console.log('answered');
      } catch (error) {
        console.log(error.name + ': ' + error.message);
      }`;
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.signal).toBeNull(); // not killed by the timeout
    expect(result.stdout.trim()).toMatch(
      /^UsageError: predictImage: an image of 100000×100000 pixels, more than the 25000000/,
    );
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('still predicts a real digit drawn larger', () => {
    const width = 56;
    const pixels = new Uint8Array(width * width);
    for (let y = 0; y < width; y++) {
      for (let x = 0; x < width; x++) pixels[y * width + x] = digit[(y >> 1) * 28 + (x >> 1)];
    }
    const prediction = predictImage(network, { width, height: width, pixels });
    expect(prediction.probabilities.every(Number.isFinite)).toBe(true);
    expect(prediction.pixels).toHaveLength(784);
  });
});

describe('evaluate', () => {
  const split = (fields: Partial<Split>): Split => ({ ...data.test, ...fields });

  it('refuses a split whose images or labels do not match its count', () => {
    refused(
      () => evaluate(network, split({ count: 10, images: new Uint8Array(5) })),
      DataError,
      /the split's images are 5 bytes; 10 images of 28×28 need 7840/,
    );
    refused(
      () => evaluate(network, split({ count: 100, labels: data.test.labels.subarray(0, 10) })),
      DataError,
      /the split has 10 labels for 100 images/,
    );
    const labels = Uint8Array.from(data.test.labels);
    labels[7] = 10;
    refused(
      () => evaluate(network, split({ labels })),
      DataError,
      /label 10 at index 7 is outside 0\.\.9/,
    );
    refused(
      () => evaluate(network, split({ height: 14, width: 56 })),
      DataError,
      /images are 14×56; the model takes 28×28/,
    );
    refused(() => evaluate(network, split({ count: -1 })), DataError, /count -1/);
  });

  it('still evaluates the real test split', () => {
    const result = evaluate(network, data.test);
    expect(result.count).toBe(100);
    expect(result.accuracy).toBeGreaterThan(0.5);
    expect(result.accuracy).toBeLessThan(1);
  });
});

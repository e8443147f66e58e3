import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { encodeGreyPng, readPngGrey } from '../../src/data/png.js';
import { prepareDigit } from '../../src/data/prepare.js';
import { serializeModel } from '../../src/model/modelFile.js';
import { softmaxRegression, MNIST_INPUT } from '../../src/model/network.js';
import { argmax } from '../../src/model/tensor.js';
import { Random } from '../../src/random.js';
import { evaluate } from '../../src/train/evaluate.js';
import { train } from '../../src/train/trainer.js';
import { WasmEngine } from '../../src/wasm/engine.js';
import { MNIST, runCli, temporaryFolder } from '../helpers.js';

const data = await loadDataset(MNIST, { testLimit: 300 });
// on the engine `predict` runs by default, whose predictions are evaluate's, bit for bit
const network = softmaxRegression(
  MNIST_INPUT,
  MNIST.classes,
  'zeros',
  new Random(1),
  new WasmEngine(),
);
await train(network, data, {
  epochs: 1,
  batchSize: 100,
  learningRate: 0.5,
  seed: 1,
  shuffle: true,
  evaluateEachEpoch: false,
});
const folder = temporaryFolder();
const modelFile = join(folder, 'model.json');
writeFileSync(modelFile, serializeModel(network, {}));
const SAMPLES = 200;

function testImage(n: number): Uint8Array {
  return data.test.images.subarray(n * 784, (n + 1) * 784);
}

/** A test digit as a person would draw it: dark ink on white, 5× larger, off-centre on a canvas. */
function asDrawing(pixels: Uint8Array): { grey: Uint8Array; width: number; height: number } {
  const width = 220;
  const height = 180;
  const grey = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < 140; y++) {
    for (let x = 0; x < 140; x++) {
      grey[(y + 25) * width + (x + 60)] = 255 - pixels[Math.floor(y / 5) * 28 + Math.floor(x / 5)];
    }
  }
  return { grey, width, height };
}

describe('preparing pictures as MNIST was made', () => {
  it('passes an MNIST-style 28×28 image through unchanged', () => {
    const prepared = prepareDigit({ width: 28, height: 28, pixels: testImage(0) }, 28, 28);
    expect(prepared.unchanged).toBe(true);
    expect(Array.from(prepared.pixels)).toEqual(Array.from(testImage(0)));
  });

  it('inverts, crops, scales to 20 px and centres a drawing by its centre of mass', () => {
    const { grey, width, height } = asDrawing(testImage(0));
    const prepared = prepareDigit({ width, height, pixels: grey }, 28, 28);
    expect(prepared.inverted).toBe(true);
    let mass = 0;
    let cy = 0;
    let cx = 0;
    let top = 28;
    let bottom = -1;
    prepared.pixels.forEach((p, i) => {
      mass += p;
      cy += p * Math.floor(i / 28);
      cx += p * (i % 28);
      if (p > 8) {
        top = Math.min(top, Math.floor(i / 28));
        bottom = Math.max(bottom, Math.floor(i / 28));
      }
    });
    expect(Math.abs(cy / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(bottom - top + 1).toBeGreaterThanOrEqual(18); // the 7's height, scaled to about 20
    expect(bottom - top + 1).toBeLessThanOrEqual(21);
  });

  it('round-trips grey pixels through PNG', () => {
    const file = join(folder, 'grey.png');
    writeFileSync(file, encodeGreyPng(testImage(3), 28, 28));
    const image = readPngGrey(file);
    expect([image.width, image.height]).toEqual([28, 28]);
    expect(Array.from(image.pixels)).toEqual(Array.from(testImage(3)));
  });
});

describe('mnist-softmax predict on real test digits written as PNGs', () => {
  const mnistStyle: string[] = [];
  const drawings: string[] = [];
  for (let n = 0; n < SAMPLES; n++) {
    const file = join(folder, `mnist-${n}.png`);
    writeFileSync(file, encodeGreyPng(testImage(n), 28, 28));
    mnistStyle.push(file);
    const drawing = asDrawing(testImage(n));
    const drawn = join(folder, `drawing-${n}.png`);
    writeFileSync(drawn, encodeGreyPng(drawing.grey, drawing.width, drawing.height));
    drawings.push(drawn);
  }
  const sample = { ...data.test, count: SAMPLES };
  const modelAccuracy = evaluate(network, sample).accuracy;
  const accuracyOf = (files: string[]) => {
    const result = runCli(['predict', '--model', modelFile, '--json', ...files]);
    expect(result.status).toBe(0);
    const predictions = JSON.parse(result.stdout).predictions;
    expect(predictions).toHaveLength(files.length);
    return (
      predictions.filter(
        (p: { label: string }, n: number) => p.label === String(data.test.labels[n]),
      ).length / files.length
    );
  };

  it("MNIST-style PNGs get exactly the model's own predictions", () => {
    expect(accuracyOf(mnistStyle)).toBe(modelAccuracy);
  });

  it("drawings (inverted, 5× larger, off-centre) are right at about the model's accuracy", () => {
    expect(modelAccuracy).toBeGreaterThan(0.85);
    expect(accuracyOf(drawings)).toBeGreaterThan(modelAccuracy - 0.06);
  });

  it('--index predicts a test sample with its true label; --show draws the input', () => {
    const result = runCli([
      'predict',
      '--model',
      modelFile,
      '--index',
      '0',
      '--show',
      '--top',
      '2',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^test image 0: 7 \(true label 7\)/);
    expect(result.stdout).toMatch(/█/);
    const expected = argmax(
      network.predict(
        Float32Array.from(testImage(0), (p) => p / 255),
        1,
      ),
    );
    expect(expected).toBe(7);
  });

  it('names an unreadable or non-PNG file', () => {
    const bad = join(folder, 'not.png');
    writeFileSync(bad, 'hello');
    const result = runCli(['predict', '--model', modelFile, bad]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`${bad}: not a readable PNG image`);
    const missing = runCli(['predict', '--model', modelFile, join(folder, 'missing.png')]);
    expect(missing.stderr).toMatch(/missing.png: cannot read \(ENOENT\)/);
  });
});

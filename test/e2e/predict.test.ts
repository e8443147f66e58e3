import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { encodeGreyPng } from '../../src/data/png.js';
import { serializeModel } from '../../src/model/modelFile.js';
import { softmaxRegression, MNIST_INPUT } from '../../src/model/network.js';
import { argmax } from '../../src/model/tensor.js';
import { Random } from '../../src/random.js';
import { evaluate } from '../../src/train/evaluate.js';
import { train } from '../../src/train/trainer.js';
import { WasmEngine } from '../../src/wasm/engine.js';
import { asDrawing, MNIST, runCli, temporaryFolder } from '../helpers.js';

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
    expect(missing.stderr).toMatch(/missing.png: no such file$/m);
  });
});

// `predict` runs on the engine asked for (wasm by default, as `eval`), and says what `eval`
// counts: on a trained model and the MNIST test set, eval's confusion matrix is the library's
// predictions' (which are predict's, bit for bit), and both processes end by themselves.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { classifyPixels, createEngine, readModelFile, type EngineName } from '../../src/index.js';
import { serializeModel } from '../../src/model/modelFile.js';
import { buildNetwork, MNIST_INPUT, type Architecture } from '../../src/model/network.js';
import { Random } from '../../src/random.js';
import { OPTIMIZER_DEFAULTS } from '../../src/train/optimizers.js';
import { train } from '../../src/train/trainer.js';
import { WasmEngine } from '../../src/wasm/engine.js';
import { MNIST, runCli, temporaryFolder } from '../helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 6000 });
const folder = temporaryFolder();
const modelFile = join(folder, 'model.json');
{
  const architecture: Architecture = {
    hidden: [32],
    activation: 'relu',
    batchnorm: true,
    init: 'auto',
  };
  const engine = new WasmEngine();
  const network = buildNetwork(MNIST_INPUT, data.classes, architecture, new Random(4), engine);
  await train(network, data, {
    epochs: 1,
    batchSize: 100,
    learningRate: 0.002,
    seed: 4,
    shuffle: true,
    evaluateEachEpoch: false,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: 'adam' },
  });
  writeFileSync(modelFile, serializeModel(network, {}));
}
const { test } = data;
const image = (n: number) => test.images.subarray(n * 784, (n + 1) * 784);

function predict(index: number, engine?: EngineName) {
  const args = ['predict', '--model', modelFile, '--index', String(index), '--json'];
  const result = runCli(engine ? [...args, '--engine', engine] : args);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout).predictions[0] as { label: string; probabilities: number[] };
}

describe('predict and eval on the wasm engine', () => {
  it("eval's confusion matrix is the library's predictions', which are predict's", async () => {
    const { network } = await readModelFile(modelFile); // wasm
    const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const mistakes: number[] = [];
    for (let n = 0; n < test.count; n++) {
      const predicted = Number(classifyPixels(network, image(n)).label);
      confusion[test.labels[n]][predicted]++;
      if (predicted !== test.labels[n]) mistakes.push(n);
    }
    const evaluated = runCli(['eval', '--model', modelFile, '--json', '--threads', '2']);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).confusion).toEqual(confusion);

    // predict, by default and with --engine wasm, gives the library's numbers, bit for bit
    for (const n of [0, mistakes[0], mistakes[1]]) {
      const expected = classifyPixels(network, image(n));
      expect(predict(n)).toEqual({ index: n, trueLabel: String(test.labels[n]), ...expected });
    }
    expect(predict(mistakes[0], 'wasm').probabilities).toEqual(
      classifyPixels(network, image(mistakes[0])).probabilities,
    );
  });

  it('--engine reference runs the reference engine (its own numbers, the same class)', async () => {
    const n = 7;
    const { network } = await readModelFile(modelFile, createEngine('reference'));
    const expected = classifyPixels(network, image(n));
    const reference = predict(n, 'reference');
    expect(reference.probabilities).toEqual(expected.probabilities);
    const wasm = predict(n);
    expect(wasm.label).toBe(reference.label);
    expect(wasm.probabilities).not.toEqual(reference.probabilities); // another engine's sums
  });

  it('refuses --engine gpu with the line createEngine gives the library (exit 2)', () => {
    let message = '';
    try {
      createEngine('gpu' as EngineName);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/gpu/);
    for (const command of [['predict', '--index', '0'], ['eval']]) {
      const result = runCli([...command, '--model', modelFile, '--engine', 'gpu']);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
  });
});

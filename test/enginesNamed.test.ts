// Engines are always named, and wasm is what the library and the studio use unless told
// otherwise: their predictions are `evaluate`'s (what `eval` runs), bit for bit, on trained
// models and the whole MNIST test set. (The command line's predict and eval: e2e/predictEngine.)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, type Split } from '../src/data/dataset.js';
import { EXIT, UsageError } from '../src/errors.js';
import {
  classifyPixels,
  createEngine,
  evaluate,
  parseModel,
  predictImage,
  readModelFile,
  type EngineName,
} from '../src/index.js';
import { serializeModel } from '../src/model/modelFile.js';
import {
  buildNetwork,
  MNIST_INPUT,
  type Architecture,
  type Network,
} from '../src/model/network.js';
import { softmaxForward } from '../src/model/softmax.js';
import { Random } from '../src/random.js';
import { Models } from '../src/studio/models.js';
import { OPTIMIZER_DEFAULTS } from '../src/train/optimizers.js';
import { train } from '../src/train/trainer.js';
import { WasmEngine } from '../src/wasm/engine.js';
import { MNIST, temporaryFolder } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 6000 });
const folder = temporaryFolder();

/** A model trained on the wasm engine, as a run folder's model.json. */
async function trainedRun(name: string, architecture: Architecture): Promise<string> {
  const engine = new WasmEngine();
  const network = buildNetwork(MNIST_INPUT, data.classes, architecture, new Random(3), engine);
  await train(network, data, {
    epochs: 1,
    batchSize: 100,
    learningRate: architecture.hidden.length ? 0.002 : 0.5,
    seed: 3,
    shuffle: true,
    evaluateEachEpoch: false,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: architecture.hidden.length ? 'adam' : 'sgd' },
  });
  const run = join(folder, name);
  mkdirSync(run);
  writeFileSync(join(run, 'model.json'), serializeModel(network, {}));
  return run;
}

const RUNS: [string, Architecture][] = [
  ['softmax regression', { hidden: [], activation: 'relu', batchnorm: false, init: 'zeros' }],
  [
    '784-32(BatchNorm, ReLU)-10',
    { hidden: [32], activation: 'relu', batchnorm: true, init: 'auto' },
  ],
];

/** The probabilities of the test set as `evaluate` computes its logits: the engine's batches. */
function evaluationProbabilities(network: Network, split: Split): Float32Array {
  const classes = network.classes.length;
  const source = network.engine.batches(network.input, split, 1000);
  source.startEpoch(null);
  const probabilities = new Float32Array(split.count * classes);
  for (let start = 0; start < split.count; start += 1000) {
    const size = Math.min(1000, split.count - start);
    const logits = network.forward(source.batch(start, size).input, size, false);
    softmaxForward(probabilities.subarray(start * classes), logits, size, classes);
  }
  return probabilities;
}

function image(split: Split, n: number): Uint8Array {
  const size = split.height * split.width;
  return split.images.subarray(n * size, (n + 1) * size);
}

describe('the library and the studio predict on the wasm engine, as eval does', () => {
  for (const [name, architecture] of RUNS) {
    it(`${name}: classifyPixels gives evaluate's probabilities and classes, bit for bit`, async () => {
      const run = await trainedRun(name.replace(/\W+/g, '-'), architecture);
      const { network } = await readModelFile(join(run, 'model.json'));
      expect(network.engine.name).toBe('wasm');
      const { test } = data;
      const expected = evaluationProbabilities(network, test);
      const evaluation = evaluate(network, test, 1000);
      expect(evaluation.count).toBe(10000);
      const classes = network.classes.length;
      const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
      const mistakes: number[] = [];
      let differing = 0;
      for (let n = 0; n < test.count; n++) {
        const { label, probabilities } = classifyPixels(network, image(test, n));
        const want = expected.subarray(n * classes, (n + 1) * classes);
        if (probabilities.some((p, c) => p !== want[c])) differing++;
        const predicted = network.classes.indexOf(label);
        confusion[test.labels[n]][predicted]++;
        if (predicted !== test.labels[n]) mistakes.push(n);
      }
      expect(differing).toBe(0);
      expect(confusion).toEqual(evaluation.confusion);
      // an MNIST-style picture passes prepareDigit unchanged: the same prediction again
      const first = predictImage(network, { width: 28, height: 28, pixels: image(test, 0) });
      expect(first.probabilities).toEqual(Array.from(expected.subarray(0, classes)));

      // the studio reads the run onto the engine it is given, and shows eval's figures
      const models = new Models('wasm');
      const studioNetwork = await models.network(run);
      expect(studioNetwork?.engine.name).toBe('wasm');
      const shown = await models.evaluation(run, {});
      expect(shown?.confusion).toEqual(evaluation.confusion);
      expect(shown?.accuracy).toBe(evaluation.accuracy);
      expect(shown?.misclassified.map((m) => m.index)).toEqual(mistakes.slice(0, 24));
      const drawn = await models.predict(run, Array.from(image(test, 1)));
      expect(drawn.probabilities).toEqual(Array.from(expected.subarray(classes, 2 * classes)));
    });
  }

  it('reads onto the engine named, or given', async () => {
    const run = join(folder, 'softmax-regression', 'model.json');
    const text = serializeModel((await readModelFile(run)).network, {});
    expect(parseModel(text, 'model.json').network.engine.name).toBe('wasm');
    expect((await readModelFile(run, 'reference')).network.engine.name).toBe('reference');
    const engine = createEngine('wasm', 2);
    try {
      expect((await readModelFile(run, engine)).network.engine).toBe(engine);
    } finally {
      engine.close();
    }
    const studio = new Models('reference');
    expect((await studio.network(join(folder, 'softmax-regression')))?.engine.name).toBe(
      'reference',
    );
  });

  it("pixels that are not whole bytes go in as dense floats, as before (the reference's numbers)", async () => {
    const run = join(folder, 'softmax-regression', 'model.json');
    const { network } = await readModelFile(run, 'reference');
    const pixels = Array.from(image(data.test, 2), (p) => p * 0.5);
    const x = Float32Array.from(pixels, (p) => p / 255);
    expect(classifyPixels(network, pixels).probabilities).toEqual(
      Array.from(network.predict(x, 1)),
    );
  });
});

describe('createEngine', () => {
  it("refuses an unknown name with the command line's message (exit 2), never a quiet fallback", () => {
    const unknown = 'gpu' as EngineName;
    expect(() => createEngine(unknown)).toThrow(UsageError);
    expect(() => createEngine(unknown)).toThrow(
      /^--engine must be one of wasm, reference, not "gpu"\.$/,
    );
    try {
      createEngine(unknown);
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(EXIT.usage);
    }
    expect(createEngine('reference').name).toBe('reference');
    const wasm = createEngine('wasm');
    expect(wasm.name).toBe('wasm');
    wasm.close();
  });
});

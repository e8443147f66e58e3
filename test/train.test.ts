import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { ModelError } from '../src/errors.js';
import { Dense } from '../src/model/layers.js';
import { formatFloat32, shortestFloat32ByPrecision } from '../src/model/floatText.js';
import { parseModel, serializeModel } from '../src/model/modelFile.js';
import { MNIST_INPUT, softmaxRegression, type Network } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { evaluate } from '../src/train/evaluate.js';
import { train, type TrainConfig } from '../src/train/trainer.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 5000, testLimit: 2000 });
const CLASSES = MNIST.classes;
const reference = new ReferenceEngine();

async function trainSmall(config: Partial<TrainConfig> = {}, init: 'zeros' | 'xavier' = 'zeros') {
  const full: TrainConfig = {
    epochs: 2,
    batchSize: 100,
    learningRate: 0.5,
    seed: 1,
    shuffle: true,
    ...config,
  };
  const network = softmaxRegression(MNIST_INPUT, CLASSES, init, new Random(full.seed), reference);
  const history = await train(network, data, full);
  return { network, history };
}

function weightsOf(network: Network): Float32Array {
  return (network.layers[0] as Dense).weights;
}

describe('training on real MNIST', () => {
  it('learns: a short run passes 85% test accuracy and the loss falls', async () => {
    const { history } = await trainSmall();
    const last = history[history.length - 1];
    expect(last.testAccuracy).toBeGreaterThan(0.85);
    expect(last.trainLoss).toBeLessThan(history[0].trainLoss);
    expect(last.steps).toBe(100);
  });

  it('is deterministic: the same options and seed give bit-identical weights and metrics', async () => {
    const a = await trainSmall({}, 'xavier');
    const b = await trainSmall({}, 'xavier');
    expect(Buffer.from(weightsOf(a.network).buffer)).toEqual(
      Buffer.from(weightsOf(b.network).buffer),
    );
    const strip = (h: typeof a.history) =>
      h.map(({ seconds: _s, samplesPerSecond: _r, ...m }) => m);
    expect(strip(a.history)).toEqual(strip(b.history));
    const c = await trainSmall({ seed: 2 }, 'xavier');
    expect(Buffer.from(weightsOf(c.network).buffer)).not.toEqual(
      Buffer.from(weightsOf(a.network).buffer),
    );
  });

  it('stops after exactly `steps` steps, with a partial last epoch', async () => {
    const { history } = await trainSmall({ steps: 130 });
    expect(history.map((m) => m.steps)).toEqual([50, 100, 130]);
  });
});

describe('model.json', () => {
  it('round-trips bit-exactly and predicts the same', async () => {
    const { network } = await trainSmall({ epochs: 1 });
    const weights = weightsOf(network);
    weights[0] = -0; // −0 and the smallest float32 survive too
    weights[1] = 1.401298464324817e-45;
    const text = serializeModel(network, { note: 'test' });
    const { network: read, training } = parseModel(text, 'model.json', reference);
    expect(training).toEqual({ note: 'test' });
    expect(Buffer.from(weightsOf(read).buffer)).toEqual(Buffer.from(weights.buffer));
    expect(Object.is(weightsOf(read)[0], -0)).toBe(true);
    const bias = (network.layers[0] as Dense).bias;
    expect(Buffer.from((read.layers[0] as Dense).bias.buffer)).toEqual(Buffer.from(bias.buffer));
    expect(evaluate(read, data.test)).toEqual(evaluate(network, data.test));
  });

  it('writes each float with the fewest digits that read back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(0.5)).toBe('0.5');
    const random = new Random(9);
    for (let i = 0; i < 10000; i++) {
      const value = Math.fround(random.normal() * 10 ** Math.floor(random.uniform(-40, 38)));
      expect(Math.fround(Number(formatFloat32(value)))).toBe(value);
    }
  });

  it('writes the same text as exact decimal rounding, for a million random float32 bit patterns', () => {
    const float = new Float32Array(1);
    const bits = new Uint32Array(float.buffer);
    const random = new Random(21);
    let compared = 0;
    const differences: string[] = [];
    const check = (value: number) => {
      compared++;
      const fast = formatFloat32(value);
      const exact = shortestFloat32ByPrecision(value);
      if (fast !== exact && differences.length < 5) differences.push(`${value}: ${fast} ${exact}`);
    };
    while (compared < 1_000_000) {
      bits[0] = Math.floor(random.next() * 2 ** 32);
      if (Number.isFinite(float[0])) check(float[0]);
    }
    // typical weights, and the edges of plain notation and of the float32 range
    for (let i = 0; i < 100_000; i++) check(Math.fround(random.uniform(-0.2, 0.2)));
    for (const edge of [1, 10, 1e21, 1e-7, 1e-6, 123456789, 3.4028234663852886e38, 1.4e-45]) {
      check(Math.fround(edge));
      check(-Math.fround(edge));
    }
    expect(differences).toEqual([]);
  });

  it('has the documented layout: weights[i][j] joins input i to output j', async () => {
    const { network } = await trainSmall({ epochs: 1 }, 'xavier');
    const json = JSON.parse(serializeModel(network, {}));
    expect(json.format).toBe('mnist-softmax-model');
    expect(json.version).toBe(1);
    expect(json.input).toEqual({ height: 28, width: 28, scale: 1 / 255, offset: 0 });
    expect(json.classes).toEqual(CLASSES);
    expect(json.layers.map((l: { type: string }) => l.type)).toEqual(['dense', 'softmax']);
    expect(json.layers[0].weights.length).toBe(784);
    expect(Math.fround(json.layers[0].weights[3][7])).toBe(weightsOf(network)[3 * 10 + 7]);
  });

  const valid = () =>
    JSON.parse(
      serializeModel(
        softmaxRegression(MNIST_INPUT, CLASSES, 'zeros', new Random(1), reference),
        {},
      ),
    );
  const cases: [string, (json: ReturnType<typeof valid>) => unknown, RegExp][] = [
    ['a wrong format', (j) => (j.format = 'other'), /not an mnist-softmax model/],
    ['a wrong version', (j) => (j.version = 2), /model version 2 is not supported/],
    [
      'an unknown layer type',
      (j) => (j.layers[0].type = 'conv'),
      /layer 0 \(conv\): unknown layer type "conv"/,
    ],
    ['a missing softmax', (j) => j.layers.pop(), /the last layer must be softmax/],
    [
      'too few weight rows',
      (j) => j.layers[0].weights.pop(),
      /layer 0 \(dense\): "weights" has 783 rows, expected 784/,
    ],
    ['a short row', (j) => j.layers[0].weights[5].pop(), /weights\[5\] has 9 values, expected 10/],
    [
      'a null weight',
      (j) => (j.layers[0].weights[2][1] = null),
      /weights\[2\]\[1\] is null, not a number finite as float32/,
    ],
    ['a short bias', (j) => j.layers[0].bias.pop(), /"bias" has 9 values/],
    ['outputs that do not match the classes', (j) => j.classes.pop(), /10 outputs but 9 classes/],
    ['a bad input spec', (j) => (j.input.height = 0), /input.height/],
  ];
  for (const [name, mutate, message] of cases) {
    it(`refuses ${name}, naming the file`, () => {
      const json = valid();
      mutate(json);
      expect(() => parseModel(JSON.stringify(json), 'm.json', reference)).toThrow(ModelError);
      expect(() => parseModel(JSON.stringify(json), 'm.json', reference)).toThrow(message);
      expect(() => parseModel(JSON.stringify(json), 'm.json', reference)).toThrow(/^m\.json: /);
    });
  }

  it('refuses invalid JSON and non-finite numbers', () => {
    expect(() => parseModel('{"format": ', 'm.json', reference)).toThrow(
      'm.json: not a model file (not JSON)',
    );
    const text = serializeModel(
      softmaxRegression(MNIST_INPUT, CLASSES, 'zeros', new Random(1), reference),
      {},
    );
    expect(() =>
      parseModel(text.replace('"bias": [0,', '"bias": [1e999,'), 'm.json', reference),
    ).toThrow(/"bias"\[0\] is null|not a number finite as float32/);
  });
});

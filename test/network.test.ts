import { describe, expect, it } from 'vitest';
import { loadTfjs } from '../src/check/tfjs.js';
import { TfjsShadow } from '../src/check/tfjsShadow.js';
import { loadDataset, type Split } from '../src/data/dataset.js';
import { batchnormForwardInference, batchnormForwardTraining } from '../src/model/batchnorm.js';
import { BatchNorm, Dense } from '../src/model/layers.js';
import { parseModel, serializeModel } from '../src/model/modelFile.js';
import {
  buildNetwork,
  MNIST_INPUT,
  type Architecture,
  type Network,
} from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { evaluate } from '../src/train/evaluate.js';
import { learningRateAt, OPTIMIZER_DEFAULTS, type OptimizerName } from '../src/train/optimizers.js';
import { train, type TrainConfig } from '../src/train/trainer.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 20000, testLimit: 2000 });
const reference = new ReferenceEngine();
const MLP: Architecture = { hidden: [64], activation: 'relu', batchnorm: true, init: 'auto' };

function network(architecture: Architecture = MLP, seed = 1): Network {
  return buildNetwork(MNIST_INPUT, MNIST.classes, architecture, new Random(seed), reference);
}

function config(optimizer: OptimizerName, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    epochs: 1,
    batchSize: 100,
    learningRate: { sgd: 0.1, momentum: 0.05, adam: 0.001 }[optimizer],
    seed: 1,
    shuffle: true,
    optimizer: { ...OPTIMIZER_DEFAULTS, name: optimizer },
    ...overrides,
  };
}

describe('BatchNorm against hand-computed values', () => {
  // x: two samples, two features; feature 0 is [1, 3], feature 1 is [2, 6]
  const x = Float64Array.from([1, 2, 3, 6]);
  const gamma = Float64Array.from([2, 1]);
  const beta = Float64Array.from([0.5, 0]);
  const epsilon = 1e-3;

  it('training mode: batch mean [2, 4], biased variance [1, 4]; moving statistics move 1%', () => {
    const out = new Float64Array(4);
    const normalized = new Float64Array(4);
    const inverseStd = new Float64Array(2);
    const movingMean = Float64Array.from([0, 0]);
    const movingVariance = Float64Array.from([1, 1]);
    batchnormForwardTraining(
      out,
      normalized,
      inverseStd,
      x,
      gamma,
      beta,
      movingMean,
      movingVariance,
      2,
      2,
      epsilon,
      0.99,
    );
    const a = 1 / Math.sqrt(1 + epsilon);
    const b = 2 / Math.sqrt(4 + epsilon);
    expect(Array.from(normalized)).toEqual([-a, -b, a, b].map((v) => expect.closeTo(v, 14)));
    expect(Array.from(out)).toEqual(
      [0.5 - 2 * a, -b, 0.5 + 2 * a, b].map((v) => expect.closeTo(v, 14)),
    );
    expect(Array.from(movingMean)).toEqual([expect.closeTo(0.02, 14), expect.closeTo(0.04, 14)]);
    expect(Array.from(movingVariance)).toEqual([expect.closeTo(1, 14), expect.closeTo(1.03, 14)]);
  });

  it('inference mode uses the moving statistics, sample by sample', () => {
    const out = new Float64Array(4);
    const movingMean = Float64Array.from([1, 2]);
    const movingVariance = Float64Array.from([4, 9]);
    batchnormForwardInference(out, x, gamma, beta, movingMean, movingVariance, 2, 2, epsilon);
    const expected = [
      (2 * (1 - 1)) / Math.sqrt(4 + epsilon) + 0.5,
      (2 - 2) / Math.sqrt(9 + epsilon),
      (2 * (3 - 1)) / Math.sqrt(4 + epsilon) + 0.5,
      (6 - 2) / Math.sqrt(9 + epsilon),
    ];
    expect(Array.from(out)).toEqual(expected.map((v) => expect.closeTo(v, 14)));
    const single = new Float64Array(2);
    batchnormForwardInference(
      single,
      x.subarray(2),
      gamma,
      beta,
      movingMean,
      movingVariance,
      1,
      2,
      epsilon,
    );
    expect(Array.from(single)).toEqual(Array.from(out.subarray(2)));
  });
});

describe('a small network on real MNIST', async () => {
  const mlp = network();
  const full = await loadDataset(MNIST);
  const history = await train(mlp, full, config('adam', { epochs: 2 }));

  it('784-64(BatchNorm, ReLU)-10 with Adam passes 95% test accuracy', () => {
    expect(history[1].testAccuracy).toBeGreaterThan(0.95);
    expect(history[1].gradientNorms).toHaveLength(2);
    expect(history[1].learningRate).toBe(0.001);
  });

  it('evaluates the same at batch size 1 and 1000', () => {
    const one = evaluate(mlp, data.test, 1);
    const thousand = evaluate(mlp, data.test, 1000);
    expect(one.accuracy).toBe(thousand.accuracy);
    expect(one.confusion).toEqual(thousand.confusion);
    expect(one.loss).toBeCloseTo(thousand.loss, 6);
  });

  it('round-trips through model.json with BatchNorm, bit for bit', () => {
    const { network: read } = parseModel(serializeModel(mlp, {}), 'model.json', reference);
    expect(read.layers.map((l) => l.type)).toEqual(['dense', 'batchnorm', 'relu', 'dense']);
    const bn = mlp.layers[1] as BatchNorm;
    const readBn = read.layers[1] as BatchNorm;
    for (const key of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
      expect(Buffer.from(readBn[key].buffer)).toEqual(Buffer.from(bn[key].buffer));
    }
    expect(readBn.epsilon).toBe(1e-3);
    expect((read.layers[0] as Dense).trainsBias).toBe(false);
    expect(evaluate(read, data.test)).toEqual(evaluate(mlp, data.test));
  });

  it('an independent reader of model.json gets exactly the accuracy eval reports', () => {
    const json = JSON.parse(serializeModel(mlp, {}));
    expect(independentAccuracy(json, data.test)).toBe(evaluate(mlp, data.test).accuracy);
  });
});

/**
 * model.json read with nothing from this project: apply the layers in order, BatchNorm with its
 * moving statistics, in float32 arithmetic (Math.fround after each operation on stored values).
 */
interface ModelJson {
  input: { height: number; width: number; scale: number; offset: number };
  layers: {
    type: string;
    weights: number[][];
    bias: number[];
    gamma: number[];
    beta: number[];
    movingMean: number[];
    movingVariance: number[];
    epsilon: number;
  }[];
}

function independentAccuracy(json: ModelJson, split: Split): number {
  const inputs = json.input.height * json.input.width;
  let correct = 0;
  for (let n = 0; n < split.count; n++) {
    let a: number[] = Array.from(split.images.subarray(n * inputs, (n + 1) * inputs), (p) =>
      Math.fround(p * json.input.scale + json.input.offset),
    );
    for (const layer of json.layers) {
      if (layer.type === 'dense') {
        a = layer.bias.map((b: number, j: number) =>
          Math.fround(a.reduce((sum, x, i) => sum + x * layer.weights[i][j], b)),
        );
      } else if (layer.type === 'batchnorm') {
        a = a.map((x, j) =>
          Math.fround(
            x * (layer.gamma[j] / Math.sqrt(layer.movingVariance[j] + layer.epsilon)) +
              (layer.beta[j] -
                layer.movingMean[j] *
                  (layer.gamma[j] / Math.sqrt(layer.movingVariance[j] + layer.epsilon))),
          ),
        );
      } else if (layer.type === 'relu') {
        a = a.map((x) => Math.max(0, x));
      }
    }
    if (a.indexOf(Math.max(...a)) === split.labels[n]) correct++;
  }
  return correct / split.count;
}

describe('hand-written training replayed in tfjs (--check-tfjs)', () => {
  const small = { ...data, train: { ...data.train, count: 2000 } };
  const cases: [string, Architecture, TrainConfig][] = [
    ['sgd, softmax regression', { ...MLP, hidden: [], batchnorm: false }, config('sgd')],
    [
      'momentum, 2 sigmoid layers, weight decay',
      { ...MLP, hidden: [32, 16], activation: 'sigmoid', batchnorm: false },
      config('momentum', { weightDecay: 1e-3 }),
    ],
    [
      'adam, BatchNorm + ReLU, cosine schedule',
      MLP,
      config('adam', { epochs: 2, schedule: 'cosine' }),
    ],
    [
      'adam, BatchNorm + tanh, squared error',
      { ...MLP, activation: 'tanh' },
      config('adam', { loss: 'mse' }),
    ],
  ];
  for (const [name, architecture, trainConfig] of cases) {
    it(name, async () => {
      const model = network(architecture);
      const shadow = new TfjsShadow(await loadTfjs(), model, trainConfig);
      const drift: number[] = [];
      await train(model, small, trainConfig, {
        afterBatch: (batch, progress) => shadow.step(batch, progress.learningRate),
        afterEpoch: (metrics) => {
          const check = shadow.endEpoch(metrics.epoch, metrics.trainLoss);
          drift.push(check.maxAbsWeightDiff);
          expect(check.lossDiff).toBeLessThan(1e-4);
        },
      });
      shadow.dispose();
      for (const d of drift) expect(d).toBeLessThan(1e-4);
    });
  }
});

describe('learning-rate schedules and gradient norms', () => {
  it('step divides by 10 after half and three quarters of the epochs; cosine falls to near 0', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((e) => learningRateAt('step', 1, e, 8))).toEqual([
      1,
      1,
      1,
      1,
      0.1,
      0.1,
      expect.closeTo(0.01, 15),
      expect.closeTo(0.01, 15),
    ]);
    expect(learningRateAt('step', 1, 1, 1)).toBe(1);
    expect(learningRateAt('cosine', 1, 1, 10)).toBe(1);
    expect(learningRateAt('cosine', 1, 6, 10)).toBeCloseTo(0.5, 12);
    expect(learningRateAt('constant', 0.3, 9, 10)).toBe(0.3);
  });

  it('shows vanishing gradients: in a deep sigmoid stack the first layer learns slowest', async () => {
    const deep = (activation: 'sigmoid' | 'relu') =>
      network({ hidden: [32, 32, 32, 32], activation, batchnorm: false, init: 'xavier' });
    const small = { ...data, train: { ...data.train, count: 2000 } };
    const [sigmoid] = await train(deep('sigmoid'), small, config('sgd'));
    const [relu] = await train(deep('relu'), small, config('sgd'));
    const ratio = (norms: number[]) => norms[0] / norms[norms.length - 1];
    expect(ratio(sigmoid.gradientNorms)).toBeLessThan(0.1 * ratio(relu.gradientNorms));
  });
});

import { describe, expect, it } from 'vitest';
import { loadTfjs } from '../src/check/tfjs.js';
import { TfjsShadow } from '../src/check/tfjsShadow.js';
import { loadDataset } from '../src/data/dataset.js';
import { batchnormForwardInference, batchnormForwardTraining } from '../src/model/batchnorm.js';
import {
  buildNetwork,
  MNIST_INPUT,
  type Architecture,
  type Network,
} from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
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

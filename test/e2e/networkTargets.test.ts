// Long runs in this process: a network with hidden layers trained on the whole of MNIST to its
// target, then read back from model.json, by this project and by an independent reader.

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { BatchNorm, Dense } from '../../src/model/layers.js';
import { parseModel, serializeModel } from '../../src/model/modelFile.js';
import {
  buildNetwork,
  MNIST_INPUT,
  type Architecture,
  type Network,
} from '../../src/model/network.js';
import { ReferenceEngine } from '../../src/model/referenceEngine.js';
import { Random } from '../../src/random.js';
import { evaluate } from '../../src/train/evaluate.js';
import { OPTIMIZER_DEFAULTS, type OptimizerName } from '../../src/train/optimizers.js';
import { train, type TrainConfig } from '../../src/train/trainer.js';
import { independentAccuracy, MNIST } from '../helpers.js';

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

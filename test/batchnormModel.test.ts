// A BatchNorm network's model.json, on a network trained briefly in this process: evaluation
// does not depend on the batch size, the file round-trips bit for bit, and a reader with nothing
// from this project gets the same accuracy. test/e2e/networkTargets.test.ts checks the same of a
// network trained on all of MNIST to 95%.

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { BatchNorm, Dense } from '../src/model/layers.js';
import { parseModel, serializeModel } from '../src/model/modelFile.js';
import { buildNetwork, MNIST_INPUT } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { evaluate } from '../src/train/evaluate.js';
import { OPTIMIZER_DEFAULTS } from '../src/train/optimizers.js';
import { train } from '../src/train/trainer.js';
import { independentAccuracy, MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 3000, testLimit: 1000 });
const reference = new ReferenceEngine();
const mlp = buildNetwork(
  MNIST_INPUT,
  MNIST.classes,
  { hidden: [32], activation: 'relu', batchnorm: true, init: 'auto' },
  new Random(4),
  reference,
);
await train(mlp, data, {
  epochs: 1,
  batchSize: 100,
  learningRate: 0.005,
  seed: 4,
  shuffle: true,
  optimizer: { ...OPTIMIZER_DEFAULTS, name: 'adam' },
});

describe('a BatchNorm network in model.json', () => {
  it('learns something, and evaluates the same at batch size 1 and 1000', () => {
    const one = evaluate(mlp, data.test, 1);
    const thousand = evaluate(mlp, data.test, 1000);
    expect(thousand.accuracy).toBeGreaterThan(0.8);
    expect(one.accuracy).toBe(thousand.accuracy);
    expect(one.confusion).toEqual(thousand.confusion);
    expect(one.loss).toBeCloseTo(thousand.loss, 6);
  });

  it('round-trips bit for bit: the moving statistics too', () => {
    const { network: read } = parseModel(serializeModel(mlp, {}), 'model.json', reference);
    expect(read.layers.map((l) => l.type)).toEqual(['dense', 'batchnorm', 'relu', 'dense']);
    const bn = mlp.layers[1] as BatchNorm;
    const readBn = read.layers[1] as BatchNorm;
    for (const key of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
      expect(Buffer.from(readBn[key].buffer)).toEqual(Buffer.from(bn[key].buffer));
    }
    expect(Array.from(bn.movingVariance).some((v) => v !== 1)).toBe(true); // they moved
    expect((read.layers[0] as Dense).trainsBias).toBe(false);
    expect(evaluate(read, data.test)).toEqual(evaluate(mlp, data.test));
  });

  it('an independent reader of model.json gets exactly the accuracy evaluate reports', () => {
    const json = JSON.parse(serializeModel(mlp, {}));
    expect(independentAccuracy(json, data.test)).toBe(evaluate(mlp, data.test).accuracy);
  });
});

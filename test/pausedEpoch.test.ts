// An epoch's record when its run was paused and its rate set by hand midway (the studio's
// controls, the static page's worker): the time paused is not the epoch's training time, the
// rates of its first and last steps are both recorded, and the weights are those of the same
// rates never paused. Real MNIST, the reference engine.

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { Dense } from '../src/model/layers.js';
import { MNIST_INPUT, softmaxRegression } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { train, type TrainConfig, type TrainHooks } from '../src/train/trainer.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 2000, testLimit: 500 });
const config: TrainConfig = {
  epochs: 2,
  batchSize: 100,
  learningRate: 0.5,
  seed: 1,
  shuffle: true,
};
/** Paused this long before step 5, in each of the two places a run waits. */
const PAUSE_MS = 400;
/** The rate set by hand from step 5 (after 4 steps at 0.5) on. */
const SET_RATE = 0.1;

async function run(hooks: TrainHooks) {
  const network = softmaxRegression(
    MNIST_INPUT,
    MNIST.classes,
    'zeros',
    new Random(config.seed),
    new ReferenceEngine(),
  );
  const started = performance.now();
  const history = await train(network, data, config, hooks);
  const seconds = (performance.now() - started) / 1000;
  return { history, seconds, weights: (network.layers[0] as Dense).weights.slice() };
}

const rate = (step: number) => (step >= 4 ? SET_RATE : 0.5);
const sleep = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

describe('an epoch paused and its rate set midway', () => {
  it('leaves the pause out of its seconds, records both rates, and changes no weight', async () => {
    const plain = await run({ beforeBatch: (step) => rate(step) });
    const paused = await run({
      // the studio's run waits in beforeBatch, the static page's worker in afterBatch
      beforeBatch: async (step) => {
        if (step === 4) await sleep();
        return rate(step);
      },
      afterBatch: async (_batch, progress) => {
        if (progress.step === 4) await sleep();
      },
    });
    expect(paused.weights).toEqual(plain.weights);
    const [first, second] = paused.history;
    expect(paused.seconds).toBeGreaterThan((2 * PAUSE_MS) / 1000);
    // the epoch's time is its training, as long as the same epoch's never paused (0.8 s less)
    expect(first.seconds).toBeLessThan(plain.history[0].seconds + 0.3);
    expect([first.firstLearningRate, first.learningRate]).toEqual([0.5, SET_RATE]);
    // an epoch at one rate throughout records it once
    expect(second.firstLearningRate).toBeUndefined();
    expect(second.learningRate).toBe(SET_RATE);
    expect(plain.history[0].firstLearningRate).toBe(0.5);
  });
});

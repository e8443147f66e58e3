// The optimisers' updates (src/model/updates.ts, src/train/optimizers.ts) against values
// computed by hand, on both engines, and the learning-rate schedules epoch by epoch. Values are
// float32: they agree to a few float32 ulps (the wasm kernels compute in float32).

import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { UserError } from '../src/errors.js';
import type { Engine } from '../src/model/engine.js';
import type { Parameter } from '../src/model/layers.js';
import { MNIST_INPUT, softmaxRegression } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import {
  createOptimizer,
  learningRateAt,
  OPTIMIZER_DEFAULTS,
  type OptimizerName,
} from '../src/train/optimizers.js';
import { train } from '../src/train/trainer.js';
import { WasmEngine } from '../src/wasm/engine.js';
import { MNIST } from './helpers.js';

const reference = new ReferenceEngine();
const wasm = new WasmEngine(1);
afterAll(() => wasm.close());
const ENGINES: [string, Engine][] = [
  ['reference', reference],
  ['wasm', wasm],
];

/** An array of the engine's memory holding `values`. */
function array(engine: Engine, values: number[]): Float32Array {
  const result = engine.allocate(values.length);
  result.set(values);
  return result;
}

/** Four float32 ulps: what float32 arithmetic keeps of a value computed by hand. */
const ULPS = 4 * 2 ** -24;

/** `actual` equals the hand-computed `expected` within `relative` (of values from 2⁻¹⁰ up). */
function expectFloat32(actual: Float32Array, expected: number[], relative = ULPS): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) =>
    expect(
      Math.abs(value - expected[i]),
      `[${i}]: ${value}, not ${expected[i]}`,
    ).toBeLessThanOrEqual(relative * Math.max(Math.abs(expected[i]), 2 ** -10)),
  );
}

describe.each(ENGINES)('the update kernels (%s engine)', (name, engine) => {
  it('SGD: θ ← θ − lr · (g + λθ)', () => {
    const value = array(engine, [1, -2, 0.5]);
    engine.sgdStep(value, array(engine, [0.5, 0.25, -1]), 0.1, 0.01);
    // 1 − 0.1 (0.5 + 0.01);  −2 − 0.1 (0.25 − 0.02);  0.5 − 0.1 (−1 + 0.005)
    expectFloat32(value, [0.949, -2.023, 0.5995]);
  });

  it('momentum: v ← μv + (g + λθ); θ ← θ − lr · v, two steps', () => {
    const value = array(engine, [1, -2]);
    const velocity = array(engine, [0, 0]);
    const gradient = array(engine, [0.5, -1]);
    engine.momentumStep(value, gradient, velocity, 0.1, 0, 0.9);
    expectFloat32(velocity, [0.5, -1]);
    expectFloat32(value, [0.95, -1.9]);
    engine.momentumStep(value, gradient, velocity, 0.1, 0, 0.9);
    // v = 0.9 · 0.5 + 0.5 = 0.95, θ = 0.95 − 0.095;  v = −0.9 − 1 = −1.9, θ = −1.9 + 0.19
    expectFloat32(velocity, [0.95, -1.9]);
    expectFloat32(value, [0.855, -1.71]);
    // with decay λ = 0.1: v = 0.9 · 0.95 + (0.5 + 0.1 · 0.855) = 1.4405, θ = 0.855 − 0.14405
    engine.momentumStep(value.subarray(0, 1), gradient, velocity, 0.1, 0.1, 0.9);
    expectFloat32(velocity.subarray(0, 1), [1.4405]);
    expectFloat32(value.subarray(0, 1), [0.71095]);
  });

  it('Adam: bias-corrected moments, two steps; ε keeps a zero gradient at 0/ε = 0', () => {
    const [beta1, beta2, epsilon, lr] = [0.9, 0.999, 1e-7, 0.01];
    // wasm computes 1 − β2 in float32: 1 − fround(0.999) = 0.00099998713, 1.3e-5 below 0.001
    const close = name === 'wasm' ? 2e-5 : ULPS;
    const value = array(engine, [1, -2, 0.5]);
    const m = array(engine, [0, 0, 0]);
    const v = array(engine, [0, 0, 0]);
    // t = 1, g = (0.5, −0.25, 0): m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g²: a step of lr · g/|g|
    const c = (t: number) => [1 - beta1 ** t, 1 - beta2 ** t] as const;
    engine.adamStep(
      value,
      array(engine, [0.5, -0.25, 0]),
      m,
      v,
      lr,
      0,
      beta1,
      beta2,
      epsilon,
      ...c(1),
    );
    expectFloat32(m, [0.05, -0.025, 0], close);
    expectFloat32(v, [0.00025, 0.0000625, 0], close);
    // lr · 0.5 / (0.5 + 1e-7) = 0.009999998
    expectFloat32(value, [0.990000002, -1.990000004, 0.5], close);
    // t = 2, g = (0.25, 0.5, 0): c1 = 0.19, c2 = 0.001999
    //   m = 0.045 + 0.025 = 0.07, v = 0.00024975 + 0.0000625 = 0.00031225
    //   θ = 0.99 − 0.01 · (0.07 / 0.19) / (√(0.00031225 / 0.001999) + 1e-7) = 0.99 − 0.0093218
    //   m = −0.0225 + 0.05 = 0.0275, v = 0.0000624375 + 0.00025 = 0.0003124375
    //   θ = −1.99 − 0.01 · (0.0275 / 0.19) / (√(0.0003124375 / 0.001999) + 1e-7) = −1.99 − 0.0036610
    engine.adamStep(
      value,
      array(engine, [0.25, 0.5, 0]),
      m,
      v,
      lr,
      0,
      beta1,
      beta2,
      epsilon,
      ...c(2),
    );
    expectFloat32(m, [0.07, 0.0275, 0], close);
    expectFloat32(v, [0.00031225, 0.0003124375, 0], close);
    expectFloat32(value, [0.98067821, -1.99366104, 0.5], close);
  });
});

/** A weight matrix that decays and a bias that does not, each with a gradient of 0.5. */
function parameters(engine: Engine): Parameter[] {
  return [
    {
      name: 'weights',
      value: array(engine, [1, 2]),
      gradient: array(engine, [0.5, 0.5]),
      decays: true,
    },
    { name: 'bias', value: array(engine, [1]), gradient: array(engine, [0.5]), decays: false },
  ];
}

const config = (name: OptimizerName) => ({ ...OPTIMIZER_DEFAULTS, name });

describe.each(ENGINES)('the optimisers (%s engine)', (_, engine) => {
  it('decay weights and not biases: g + λθ for weights, g for the bias', () => {
    const sgd = parameters(engine);
    createOptimizer(config('sgd'), 0.1, engine).step(sgd, 0.1);
    // weights: 1 − 0.1 (0.5 + 0.1), 2 − 0.1 (0.5 + 0.2); bias: 1 − 0.1 · 0.5
    expectFloat32(sgd[0].value, [0.94, 1.93]);
    expectFloat32(sgd[1].value, [0.95]);
    const momentum = parameters(engine);
    const optimizer = createOptimizer(config('momentum'), 0, engine);
    optimizer.step(momentum, 0.1);
    optimizer.step(momentum, 0.1);
    // v = 0.5, then 0.9 · 0.5 + 0.5 = 0.95: θ = 1 − 0.05 − 0.095
    expectFloat32(momentum[1].value, [0.855]);
  });

  it('Adam counts its steps: the first moves each value by lr, whatever the size of g', () => {
    const adam = parameters(engine);
    adam[0].gradient.set([1e-3, 100]);
    const optimizer = createOptimizer(config('adam'), 0, engine);
    optimizer.step(adam, 0.01);
    expectFloat32(adam[0].value, [
      1 - 0.01 * (1e-3 / (1e-3 + 1e-7)),
      2 - 0.01 * (100 / (100 + 1e-7)),
    ]);
    expect(optimizer.state().t).toBe(1);
    optimizer.step(adam, 0.01);
    expect(optimizer.state().t).toBe(2);
  });

  for (const name of ['momentum', 'adam'] as const) {
    it(`${name}: a saved state continues exactly as the uninterrupted run`, () => {
      const straight = parameters(engine);
      const resumed = parameters(engine);
      const first = createOptimizer(config(name), 0.01, engine);
      const gradients = [
        [0.5, -0.25],
        [0.1, 0.3],
        [-0.2, 0.05],
      ];
      const step = (params: Parameter[], optimizer: typeof first, k: number) => {
        params[0].gradient.set(gradients[k]);
        optimizer.step(params, 0.05);
      };
      step(straight, first, 0);
      step(resumed, createOptimizer(config(name), 0.01, engine), 0); // (its state is lost)
      resumed[0].value.set(straight[0].value);
      resumed[1].value.set(straight[1].value);
      const saved = first.state();
      const copy = { t: saved.t, arrays: saved.arrays.map((a) => Float32Array.from(a)) };
      const second = createOptimizer(config(name), 0.01, engine);
      second.restore(copy, resumed);
      for (const k of [1, 2]) {
        step(straight, first, k);
        step(resumed, second, k);
      }
      expect(Array.from(resumed[0].value)).toEqual(Array.from(straight[0].value));
      expect(Array.from(resumed[1].value)).toEqual(Array.from(straight[1].value));
    });
  }

  it('refuses a saved state that does not fit the network', () => {
    const optimizer = createOptimizer(config('adam'), 0, engine);
    const state = { t: 3, arrays: [new Float32Array(2), new Float32Array(2)] }; // one parameter's
    expect(() => optimizer.restore(state, parameters(engine))).toThrow(UserError);
    expect(() => optimizer.restore(state, parameters(engine))).toThrow(
      "--resume: checkpoint.json's optimiser state does not fit the network",
    );
  });
});

describe('learning-rate schedules', () => {
  it('constant, step and cosine over 4 epochs', () => {
    const rates = (schedule: 'constant' | 'step' | 'cosine') =>
      [1, 2, 3, 4].map((epoch) => learningRateAt(schedule, 0.1, epoch, 4));
    expect(rates('constant')).toEqual([0.1, 0.1, 0.1, 0.1]);
    // /10 once half the epochs are done (before epoch 3), /100 after three quarters (epoch 4)
    expect(rates('step')).toEqual([0.1, 0.1, 0.01, 0.001].map((r) => expect.closeTo(r, 15)));
    // 0.1 · ½ (1 + cos(π (e − 1)/4)): 0.1, 0.0853553, 0.05, 0.0146447
    expect(rates('cosine')).toEqual(
      [0.1, 0.0853553390593, 0.05, 0.0146446609407].map((r) => expect.closeTo(r, 12)),
    );
  });

  it('training uses the rate of each epoch, as its metrics record', async () => {
    const data = await loadDataset(MNIST, { trainLimit: 200, testLimit: 50 });
    for (const [schedule, expected] of [
      ['step', [0.5, 0.5, 0.05, 0.005]],
      ['cosine', [0.5, 0.426776695297, 0.25, 0.073223304703]],
    ] as const) {
      const network = softmaxRegression(
        MNIST_INPUT,
        MNIST.classes,
        'zeros',
        new Random(1),
        reference,
      );
      const history = await train(network, data, {
        epochs: 4,
        batchSize: 100,
        learningRate: 0.5,
        seed: 1,
        shuffle: true,
        schedule,
      });
      expect(history.map((m) => m.learningRate)).toEqual(
        expected.map((r) => expect.closeTo(r, 12)),
      );
    }
  });
});

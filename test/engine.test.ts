import { describe, expect, it } from 'vitest';
import { compare } from '../src/check/finiteDifferences.js';
import { loadDataset } from '../src/data/dataset.js';
import type { Engine } from '../src/model/engine.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { buildNetwork, MNIST_INPUT, type Architecture } from '../src/model/network.js';
import { Random } from '../src/random.js';
import { evaluate } from '../src/train/evaluate.js';
import { LossBuffers, lossAndGradient } from '../src/train/losses.js';
import { OPTIMIZER_DEFAULTS, type OptimizerName } from '../src/train/optimizers.js';
import { train } from '../src/train/trainer.js';
import { WasmEngine } from '../src/wasm/engine.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 3000, testLimit: 1000 });
const referenceEngine = new ReferenceEngine();

/**
 * float32 sums in another order agree to float32 tolerance: within 1e-3 of each value, or of
 * 1% of the tensor's largest value for values near zero (BatchNorm divides by small spreads).
 */
function expectClose(wasm: Float32Array, reference: Float32Array, what: string): void {
  const scale = reference.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  const { maxRelError } = compare(wasm, reference, Math.max(1e-6, 0.01 * scale));
  expect(maxRelError, what).toBeLessThan(1e-3);
}

const SOFTMAX: Architecture = { hidden: [], activation: 'relu', batchnorm: false, init: 'xavier' };

function pair(architecture: Architecture) {
  const wasmEngine = new WasmEngine();
  const make = (engine: Engine) =>
    buildNetwork(MNIST_INPUT, MNIST.classes, architecture, new Random(7), engine);
  return { reference: make(referenceEngine), wasm: make(wasmEngine), wasmEngine };
}

// Forward, backward and each optimiser's update of every architecture the kernel table can
// choose for, against the reference: the engine check below (gradcheck --engines).
describe('the wasm engine agrees with the reference on real MNIST', () => {
  it('softmax regression on a batch of 3000, with 1 and 2 threads: the reference, bit for bit', () => {
    const gradientsOn = (engine: Engine) => {
      const network = buildNetwork(MNIST_INPUT, MNIST.classes, SOFTMAX, new Random(7), engine);
      const source = engine.batches(network.input, data.train, 3000);
      source.startEpoch(null);
      const batch = source.batch(0, 3000);
      const buffers = new LossBuffers(3000, 10, engine);
      const z = network.forward(batch.input, 3000, true);
      const logits = z.slice();
      network.backward(lossAndGradient('cross-entropy', buffers, z, batch.labels, 3000, 10), 3000);
      const gradients = network.parameters().map(({ parameter }) => parameter.gradient.slice());
      return { logits, losses: buffers.losses.slice(), gradients };
    };
    const ref = gradientsOn(referenceEngine);
    const engines = [new WasmEngine(1), new WasmEngine(2)];
    const [one, two] = engines.map(gradientsOn);
    engines.forEach((engine) => engine.close());
    expectClose(one.logits, ref.logits, 'logits');
    expect(compare(one.losses, ref.losses, 1).maxAbsError).toBeLessThan(1e-5);
    ref.gradients.forEach((g, i) => expectClose(one.gradients[i], g, `gradient ${i}`));
    expect(two).toEqual(one);
  });

  it('fuses softmax and cross-entropy to the float64 losses and float32 gradients of the reference', () => {
    const engine = new WasmEngine();
    engine.allocate(1_000_000).fill(-1); // arrays must not land on the kernels' Math tables
    const random = new Random(5);
    const [batch, classes] = [64, 10];
    const logits = engine.allocate(batch * classes);
    // ordinary logits, a row of ties, and rows near ±1000 where a naive softmax overflows
    for (let i = 0; i < logits.length; i++) logits[i] = random.uniform(-8, 8);
    logits.fill(3, 10, 20);
    for (let i = 20; i < 40; i++) logits[i] = (i < 30 ? 1000 : -1000) + random.uniform(-5, 5);
    const labels = Uint8Array.from({ length: batch }, (_, n) => (n * 7) % classes);
    const results = [referenceEngine, engine].map((e) => {
      const buffers = new LossBuffers(batch, classes, e);
      const dlogits = lossAndGradient('cross-entropy', buffers, logits, labels, batch, classes);
      return { losses: buffers.losses.slice(), dlogits: dlogits.slice() };
    });
    const [ref, fast] = results;
    expect(compare(fast.losses, ref.losses, 1).maxRelError).toBeLessThan(1e-14);
    expect(compare(fast.dlogits, ref.dlogits, 1e-3).maxAbsError).toBeLessThan(1e-9);
    expect(Array.from(fast.losses).every(Number.isFinite)).toBe(true);
  });

  it('uses sparse rows on wasm and dense batches on the reference', () => {
    const { reference, wasm } = pair(SOFTMAX);
    const sparse = wasm.engine.batches(wasm.input, data.train, 10);
    const dense = reference.engine.batches(reference.input, data.train, 10);
    sparse.startEpoch(null);
    dense.startEpoch(null);
    const a = sparse.batch(5, 10);
    const b = dense.batch(5, 10);
    expect(a.input).not.toBeInstanceOf(Float32Array);
    expect(b.input).toBeInstanceOf(Float32Array);
    expect(Array.from(a.dense())).toEqual(Array.from(b.dense()));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('gives the same batches from rows prefetched on another thread, and ignores a wrong guess', () => {
    const engine = new WasmEngine(2);
    const shuffled = (seed: number) => {
      const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
      new Random(seed).shuffle(order);
      return order;
    };
    const prefetching = engine.batches(MNIST_INPUT, data.train, 100);
    const plain = referenceEngine.batches(MNIST_INPUT, data.train, 100);
    // file order (null) reads the split's own rows, which the shuffled epochs must never write
    const epochs = [null, shuffled(1), shuffled(2), null, shuffled(3), shuffled(4), null];
    const guesses = [epochs[1], epochs[2], null, epochs[4], shuffled(9), epochs[1], null];
    epochs.forEach((order, e) => {
      prefetching.startEpoch(order);
      const guess = guesses[e];
      if (guess) prefetching.prefetch!(guess);
      plain.startEpoch(order);
      for (const start of [0, 1500, 2900]) {
        const [a, b] = [prefetching.batch(start, 100), plain.batch(start, 100)];
        expect(Array.from(a.labels), `epoch ${e}`).toEqual(Array.from(b.labels));
        expect(Array.from(a.dense()), `epoch ${e}`).toEqual(Array.from(b.dense()));
      }
    });
    // more epochs, in either order, need no more memory: the source reuses its two own sets
    const allocated = engine.allocatedBytes;
    for (const order of [null, shuffled(5), null, shuffled(6)]) {
      prefetching.startEpoch(order);
      prefetching.prefetch!(shuffled(7));
    }
    expect(engine.allocatedBytes).toBe(allocated);
    // another source of the same split shares its rows: still the file's
    const second = engine.batches(MNIST_INPUT, data.train, 100);
    second.startEpoch(null);
    plain.startEpoch(null);
    expect(Array.from(second.batch(2900, 100).dense())).toEqual(
      Array.from(plain.batch(2900, 100).dense()),
    );
    engine.close();
  });

  it('compresses images of any size into sparse rows, across chunks and threads', () => {
    const random = new Random(11);
    // 35 pixels (not whole vectors of 16), over 4 MB of images (several chunks); images all
    // zero, all nonzero, and a fifth nonzero
    const [pixels, count] = [35, 130_000];
    const images = Uint8Array.from({ length: pixels * count }, (_, k) => {
      const n = Math.floor(k / pixels);
      if (n % 7 === 0) return 0;
      if (n % 7 === 1) return 1 + (k % 255);
      return random.uniform(0, 1) < 0.2 ? 1 + Math.floor(random.uniform(0, 255)) : 0;
    });
    for (const threads of [1, 2]) {
      const engine = new WasmEngine(threads);
      const rows = engine.rows.compress({ images, count, height: 1, width: pixels });
      engine.close();
      let k = 0;
      let wrong = 0;
      for (let n = 0; n < count; n++) {
        if (rows.rowStart[n] !== k) wrong++;
        for (let p = 0; p < pixels; p++) {
          const pixel = images[n * pixels + p];
          if (pixel === 0) continue;
          if (rows.index[k] !== p || rows.value[k] !== pixel) wrong++;
          k++;
        }
      }
      expect(rows.rowStart[count]).toBe(k);
      expect(wrong, `${threads} threads`).toBe(0);
    }
  });

  it('trains to the same weights and accuracy (softmax regression, shuffled, one epoch)', async () => {
    const { reference, wasm } = pair(SOFTMAX);
    const config = { epochs: 1, batchSize: 100, learningRate: 0.5, seed: 3, shuffle: true };
    const [a] = await train(reference, data, config);
    const [b] = await train(wasm, data, config);
    expect(Math.abs(a.testAccuracy - b.testAccuracy)).toBeLessThanOrEqual(0.002);
    expect(b.trainLoss).toBeCloseTo(a.trainLoss, 4);
    const weights = (network: typeof reference) => network.parameters()[0].parameter.value;
    expect(compare(weights(wasm), weights(reference), 1e-2).maxAbsError).toBeLessThan(1e-4);
  });

  it('evaluates a BatchNorm network the same at any batch size', async () => {
    const { wasm } = pair({ hidden: [64], activation: 'relu', batchnorm: true, init: 'auto' });
    await train(wasm, data, {
      epochs: 1,
      batchSize: 50,
      learningRate: 0.001,
      seed: 1,
      shuffle: true,
      optimizer: { ...OPTIMIZER_DEFAULTS, name: 'adam' },
    });
    const one = evaluate(wasm, data.test, 1);
    const many = evaluate(wasm, data.test, 1000);
    expect(one.accuracy).toBe(many.accuracy);
    expect(one.accuracy).toBeGreaterThan(0.6);
  });

  it('keeps arrays valid while its memory grows', () => {
    const engine = new WasmEngine();
    const first = engine.allocate(4);
    first.set([1, 2, 3, 4]);
    engine.allocate(50_000_000); // 200 MB: grows the memory many times over
    expect(Array.from(first)).toEqual([1, 2, 3, 4]);
  });
});

describe('threads', () => {
  it('take blocks of a range, their own share first, covering everything once', async () => {
    const { Control, CONTROL_WORDS, takeBlocks } = await import('../src/wasm/threadProtocol.js');
    const state = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    const taken: number[][] = [];
    const record = (...args: number[]) => taken.push(args);
    state[Control.Length] = 100;
    state[Control.Granularity] = 16;
    state[Control.Threads] = 2;
    // thread 1 runs alone: its share (blocks 3..6) first, then thread 0's (0..2)
    takeBlocks(state, record, [7], 1);
    takeBlocks(state, record, [7], 0); // a late thread finds nothing left
    expect(taken).toEqual([
      [7, 48, 64],
      [7, 64, 80],
      [7, 80, 96],
      [7, 96, 100],
      [7, 0, 16],
      [7, 16, 32],
      [7, 32, 48],
    ]);
  });

  const THREADED: [string, Architecture, OptimizerName, number][] = [
    [
      '784-96(BatchNorm, ReLU)-64-10, Adam',
      { hidden: [96, 64], activation: 'relu', batchnorm: true, init: 'auto' },
      'adam',
      0.001,
    ],
    [
      'softmax regression, SGD',
      { hidden: [], activation: 'relu', batchnorm: false, init: 'xavier' },
      'sgd',
      0.5,
    ],
  ];
  for (const [name, architecture, optimizer, learningRate] of THREADED) {
    it(`give bit-identical weights with 1, 2 or 3 threads (${name})`, async () => {
      const run = async (threads: number) => {
        const engine = new WasmEngine(threads);
        const network = buildNetwork(
          MNIST_INPUT,
          MNIST.classes,
          architecture,
          new Random(5),
          engine,
        );
        const history = await train(network, data, {
          epochs: 3, // the second and third epochs' rows are copied during the one before
          batchSize: 100,
          learningRate,
          seed: 5,
          shuffle: true,
          optimizer: { ...OPTIMIZER_DEFAULTS, name: optimizer },
        });
        const weights = network
          .parameters()
          .map(({ parameter }) => Buffer.from(parameter.value.slice().buffer));
        engine.close();
        return { history, weights };
      };
      const one = await run(1);
      for (const threads of [2, 3]) {
        const many = await run(threads);
        expect(many.weights).toEqual(one.weights);
        expect(many.history.map((m) => m.trainLoss)).toEqual(one.history.map((m) => m.trainLoss));
        expect(many.history.map((m) => m.testAccuracy)).toEqual(
          one.history.map((m) => m.testAccuracy),
        );
      }
    });
  }
});

describe('the engine check (gradcheck --engines)', () => {
  it('passes every configuration the kernel table can choose, each of its choices met', async () => {
    const { checkEngines } = await import('../src/check/engineCheck.js');
    const { KERNEL_TABLE } = await import('../src/wasm/kernelTable.js');
    const checks = checkEngines(data);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // every dense kernel the table names ran in some configuration
    const ran = checks.map((c) => c.kernels).join('\n');
    for (const row of KERNEL_TABLE.filter((r) => r.reference.startsWith('model/dense.ts'))) {
      for (const choice of row.choices)
        expect(ran, choice.when).toContain(choice.kernels.join(' + '));
    }
    const tensors = new Set(checks.map((c) => c.tensor));
    for (const name of [
      'dgamma (layer 1)',
      'm of parameter 0',
      'v of parameter 0',
      'velocity of parameter 0',
    ]) {
      expect(tensors).toContain(name);
    }
  });

  it('sees a broken kernel: one weight gradient 1% off is a FAIL', async () => {
    const { checkEngines } = await import('../src/check/engineCheck.js');
    const checks = checkEngines(data, (engine) => {
      const denseBackward = engine.denseBackward;
      engine.denseBackward = (dx, dW, ...rest) => {
        denseBackward(dx, dW, ...rest);
        dW[0] += 0.01 * (Math.abs(dW[0]) + 1e-3); // one wrong value
      };
    });
    const failed = checks.filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => /^dweights|after|of parameter/.test(c.tensor))).toBe(true);
  });
});

// The two builds of the kernels (--kernels): the runtime's relaxed SIMD detected, the relaxed
// kernels checked against the reference as the exact ones are, the same bits on any thread
// count; and the peak that bench compares the kernels with. The relaxed cases run where the
// runtime has relaxed SIMD (Node 22 and later: CI runs this file on 22 and 24).

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import type { Engine } from '../src/model/engine.js';
import { buildNetwork, MNIST_INPUT, type Architecture } from '../src/model/network.js';
import { Random } from '../src/random.js';
import { LossBuffers, lossAndGradient } from '../src/train/losses.js';
import { UsageError } from '../src/errors.js';
import { createEngine, kernelsOf, WasmEngine } from '../src/wasm/engine.js';
import { hasRelaxedSimd, resolveKernels } from '../src/wasm/kernelChoice.js';
import { measurePeak } from '../src/wasm/peak.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 3000, testLimit: 100 });
const major = Number(process.versions.node.split('.')[0]);
const relaxed = hasRelaxedSimd();

describe('choosing the kernels', () => {
  it('detects relaxed SIMD where the runtime has it: Node 22 and later', () => {
    expect(relaxed).toBe(major >= 22);
  });

  it('auto runs relaxed kernels where the runtime has them, exact ones elsewhere; exact is exact', () => {
    expect(resolveKernels('auto')).toBe(relaxed ? 'relaxed' : 'exact');
    expect(resolveKernels('exact')).toBe('exact');
    const engine = createEngine('wasm', 1, 'exact');
    expect(kernelsOf(engine)).toBe('exact');
    engine.close();
    expect(kernelsOf(createEngine('reference'))).toBeNull();
  });

  it.skipIf(relaxed)(
    'refuses relaxed kernels where the runtime has none, naming the option',
    () => {
      expect(() => resolveKernels('relaxed')).toThrow(UsageError);
      expect(() => resolveKernels('relaxed')).toThrow(
        /--kernels relaxed: .*no WebAssembly relaxed SIMD/,
      );
    },
  );
});

const MLP: Architecture = { hidden: [256], activation: 'relu', batchnorm: true, init: 'auto' };
const SOFTMAX: Architecture = { hidden: [], activation: 'relu', batchnorm: false, init: 'xavier' };

/** A batch of 3000's logits and gradients, as bits. */
function gradientsOn(engine: Engine, architecture: Architecture): Float32Array[] {
  const network = buildNetwork(MNIST_INPUT, MNIST.classes, architecture, new Random(7), engine);
  const source = engine.batches(network.input, data.train, 3000);
  source.startEpoch(null);
  const batch = source.batch(0, 3000);
  const buffers = new LossBuffers(3000, 10, engine);
  const z = network.forward(batch.input, 3000, true);
  const logits = z.slice();
  network.backward(lossAndGradient('cross-entropy', buffers, z, batch.labels, 3000, 10), 3000);
  return [logits, ...network.parameters().map(({ parameter }) => parameter.gradient.slice())];
}

describe.runIf(relaxed)('the relaxed kernels', () => {
  it('pass the engine check against the reference, every configuration', async () => {
    const { checkEngines, kernelSetsOf } = await import('../src/check/engineCheck.js');
    expect(kernelSetsOf('auto')).toEqual(['exact', 'relaxed']);
    const checks = checkEngines(data, undefined, ['relaxed']);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.every((c) => c.configuration.endsWith(', relaxed kernels'))).toBe(true);
  });

  for (const [name, architecture] of [
    ['softmax regression', SOFTMAX],
    ['784-256-10 BatchNorm', MLP],
  ] as const) {
    it(`give the same bits on 1 and 2 threads, and not the exact kernels' bits (${name})`, () => {
      const engines = [
        new WasmEngine(1, 'relaxed'),
        new WasmEngine(2, 'relaxed'),
        new WasmEngine(1, 'exact'),
      ];
      const [one, two, exact] = engines.map((engine) => gradientsOn(engine, architecture));
      engines.forEach((engine) => engine.close());
      expect(two).toEqual(one);
      // fused multiply-adds round once: some sum somewhere differs in its last bits
      expect(one.some((tensor, i) => tensor.some((v, j) => v !== exact[i][j]))).toBe(true);
    });
  }
});

describe('the peak bench compares the kernels with', () => {
  it('is measured: positive and finite, on one thread and on two', () => {
    const peak = measurePeak(2, 'exact', 2);
    expect(peak.gflops).toBeGreaterThan(0);
    expect(Number.isFinite(peak.gflops)).toBe(true);
    expect(peak.oneThreadGflops).toBeGreaterThan(0);
    expect(peak).toMatchObject({ threads: 2, kernels: 'exact' });
  });
});

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, formatLikeNumpy, runExamples, tolerance } from '../src/check/examples.js';
import {
  FINITE_DIFFERENCES,
  KERNELS,
  runGradcheck,
  TFJS_AUTODIFF,
  type Kernels,
} from '../src/check/gradcheck.js';
import { loadTfjs } from '../src/check/tfjs.js';
import type { Dense } from '../src/model/layers.js';
import { ROOT } from './helpers.js';

const { tf, backend } = await loadTfjs();

describe('examples: the TensorFlow material, hand-written and in tfjs', () => {
  const results = runExamples(tf);
  const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix))!;
  const close = (values: number[], expected: number[], relative: number) =>
    values.forEach((v, i) =>
      expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(relative * Math.abs(expected[i])),
    );

  it('loads the pure-JS tfjs on cpu when tfjs-node is not installed', () => {
    expect(backend).toMatch(/^tfjs(-node)? \d+\.\d+\.\d+ \((cpu|tensorflow)\)$/);
  });

  it('every example matches its expected values', () => {
    expect(results).toHaveLength(EXAMPLES.length);
    for (const r of results) expect(r, r.name).toMatchObject({ ok: true });
  });

  it('softmax([1,1,2,4,6,8]) = [7.87494471e-04 … 8.63592565e-01], argmax 5', () => {
    const expected = [
      7.87494471e-4, 7.87494471e-4, 2.14063213e-3, 1.58172492e-2, 1.16874546e-1, 8.63592565e-1,
    ];
    const r = byName('softmax([1, 1, 2, 4, 6, 8])');
    close(r.handWritten, expected, 1e-6);
    close(r.tfjs, expected, 1e-6);
    expect(byName('argmax').handWritten).toEqual([5]);
    expect(byName('argmax').tfjs).toEqual([5]);
  });

  it('logits [[1,2,3]]×3: rows [0.09003057 0.24472848 0.66524094], sum 1.22282, mean 0.407606', () => {
    const row = [0.09003057, 0.24472848, 0.66524094];
    const r = byName('softmax([[1, 2, 3]]');
    close(r.handWritten, [...row, ...row, ...row], 1e-6);
    close(r.tfjs, [...row, ...row, ...row], 1e-6);
    for (const v of [...byName('-reduce_sum').handWritten, ...byName('-reduce_sum').tfjs]) {
      expect(v).toBeCloseTo(1.22282, 5);
    }
    for (const v of [...byName('mean(softmax').handWritten, ...byName('mean(softmax').tfjs]) {
      expect(v).toBeCloseTo(0.407606, 6);
    }
  });

  it('softmax([2.0, 1.0, 0.1]) ≈ [0.659, 0.242, 0.099], also shifted by ±1000', () => {
    for (const name of [
      'softmax([2.0, 1.0, 0.1])',
      'softmax([2.0, 1.0, 0.1] +',
      'softmax([2.0, 1.0, 0.1] −',
    ]) {
      const r = byName(name);
      close(r.handWritten, [0.659, 0.242, 0.099], 0.005);
      close(r.tfjs, [0.659, 0.242, 0.099], 0.005);
    }
    expect(byName('softmax([2.0, 1.0, 0.1] +').note).toMatch(/NaN/);
  });

  it('cross-entropy of (0.5, 0.4, 0.1) against [1, 0, 0] is −ln 0.5', () => {
    const r = byName('cross-entropy of prediction');
    expect(r.handWritten[0]).toBeCloseTo(0.6931, 4);
    expect(r.tfjs[0]).toBeCloseTo(0.6931, 4);
  });

  it('tolerances follow the digits printed, never below float32 precision', () => {
    expect(tolerance('5')).toBe(0);
    expect(tolerance('0.099')).toBeCloseTo(0.0005, 12);
    expect(tolerance('1.22282')).toBeCloseTo(0.000005, 12);
    expect(tolerance('7.87494471e-04')).toBeCloseTo(8 * 2 ** -24 * 7.87494471e-4, 15);
  });

  it('prints like NumPy', () => {
    expect(formatLikeNumpy([7.87494471e-4, 0.863592565], [2])).toBe(
      '[7.87494471e-04 8.63592565e-01]',
    );
    expect(formatLikeNumpy([0.09003057, 0.5], [2])).toBe('[0.09003057 0.50000000]');
    expect(formatLikeNumpy([1, 2, 3, 4], [2, 2])).toBe('[[1.0 2.0]\n [3.0 4.0]]');
  });
});

describe('gradcheck', () => {
  it('passes every check against finite differences and tfjs', () => {
    const checks = runGradcheck({ seed: 1, tf });
    expect(checks.filter((c) => c.reference === FINITE_DIFFERENCES).length).toBeGreaterThanOrEqual(
      7,
    );
    expect(checks.filter((c) => c.reference === TFJS_AUTODIFF).length).toBeGreaterThanOrEqual(7);
    for (const c of checks) expect(c, `${c.name} vs ${c.reference}`).toMatchObject({ ok: true });
    expect(checks.some((c) => c.name.includes('near +1000'))).toBe(true);
    expect(checks.some((c) => c.name.includes('near −1000'))).toBe(true);
  });

  const broken: [string, Partial<Kernels>, RegExp][] = [
    [
      'a dense backward that forgets the bias gradient',
      {
        denseBackward: (dx, dW, db, ...rest) => KERNELS.denseBackward(dx, dW, db.slice(), ...rest),
      },
      /^dense: db$/,
    ],
    [
      'a softmax backward without the dot(da, a) term',
      {
        softmaxBackward: (dlogits, dp, p, batch, classes) => {
          for (let i = 0; i < batch * classes; i++) dlogits[i] += dp[i] * p[i];
        },
      },
      /^(softmax backward|squared error of softmax)/,
    ],
    [
      'a BatchNorm backward that drops the mean term Σ dy',
      {
        batchnormBackward: (
          dx,
          dgamma,
          dbeta,
          dout,
          normalized,
          inverseStd,
          gamma,
          batch,
          features,
        ) => {
          // dx = γ/σ · (dy − x̂ · mean(dy · x̂)): the gradient through the batch mean is missing
          const full = new Float64Array(dx.length);
          KERNELS.batchnormBackward(
            full,
            dgamma,
            dbeta,
            dout,
            normalized,
            inverseStd,
            gamma,
            batch,
            features,
          );
          for (let j = 0; j < features; j++) {
            let sumDy = 0;
            for (let n = 0; n < batch; n++) sumDy += dout[n * features + j];
            for (let n = 0; n < batch; n++) {
              dx[n * features + j] +=
                full[n * features + j] + (gamma[j] * inverseStd[j] * sumDy) / batch;
            }
          }
        },
      },
      /^batchnorm \(training mode\): dx$/,
    ],
    [
      'a sigmoid backward that uses the derivative of tanh',
      { sigmoidBackward: (dx, dout, out, length) => KERNELS.tanhBackward(dx, dout, out, length) },
      /^sigmoid: dx$/,
    ],
    [
      'a fused backward off by a factor of two',
      {
        softmaxCrossEntropyBackward: (d, p, labels, batch, classes, scale) =>
          KERNELS.softmaxCrossEntropyBackward(d, p, labels, batch, classes, 2 * scale),
      },
      /^softmax cross-entropy/,
    ],
  ];
  for (const [name, kernels, failing] of broken) {
    it(`reports FAIL for ${name}, against both references`, () => {
      const checks = runGradcheck({ seed: 1, tf, kernels: { ...KERNELS, ...kernels } });
      const failed = checks.filter((c) => !c.ok);
      expect(failed.length).toBeGreaterThan(0);
      for (const c of failed) expect(c.name).toMatch(failing);
      expect(new Set(failed.map((c) => c.reference))).toEqual(
        new Set([FINITE_DIFFERENCES, TFJS_AUTODIFF]),
      );
    });
  }
});

describe('tfjs stays out of plain training', () => {
  /**
   * Sources reachable from `entry` through static imports, types aside (dynamic `import()` is
   * not followed; the CLI's bundle keeps such imports as chunks loaded when reached).
   */
  function staticImports(entry: string, seen = new Set<string>()): Set<string> {
    if (seen.has(entry)) return seen;
    seen.add(entry);
    const source = readFileSync(entry, 'utf8');
    for (const [, specifier] of source.matchAll(/^import\s(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
      const path = join(dirname(entry), specifier).replace(/\.js$/, '.ts');
      if (specifier.startsWith('.')) staticImports(path, seen);
      else seen.add(specifier);
    }
    return seen;
  }

  it('the CLI and the train command import tfjs only dynamically', () => {
    const modules = [
      ...staticImports(join(ROOT, 'src/cli/main.ts')),
      ...staticImports(join(ROOT, 'src/cli/train.ts')),
    ];
    expect(modules.some((m) => m.endsWith('trainer.ts'))).toBe(true); // the walk works
    expect(modules.filter((m) => m.includes('tensorflow') || m.endsWith('tfjs.ts'))).toEqual([]);
  });
});

describe('the tfjs shadow model', () => {
  it('reports a drift when the two models are made to differ', async () => {
    const { TfjsShadow } = await import('../src/check/tfjsShadow.js');
    const { softmaxRegression, MNIST_INPUT } = await import('../src/model/network.js');
    const { Random } = await import('../src/random.js');
    const { ReferenceEngine } = await import('../src/model/referenceEngine.js');
    const engine = new ReferenceEngine();
    const network = softmaxRegression(
      MNIST_INPUT,
      ['a', 'b', 'c'],
      'xavier',
      new Random(1),
      engine,
    );
    const shadow = new TfjsShadow(await loadTfjs(), network, {
      epochs: 1,
      batchSize: 10,
      learningRate: 0.1,
      seed: 1,
      shuffle: true,
    });
    expect(shadow.endEpoch(1, 0).maxAbsWeightDiff).toBe(0);
    (network.layers[0] as Dense).weights[5] += 0.01;
    expect(shadow.endEpoch(2, 0).maxAbsWeightDiff).toBeCloseTo(0.01, 6);
    shadow.dispose();
  });
});

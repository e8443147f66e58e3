// model.json files the engines could not run, made here and by seeded mutation of a real one:
// each is refused as a bad file (a UserError naming it), or runs on both engines alike. In this
// process; test/e2e/hostile.test.ts has the command line's refusals.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { parseModel } from '../src/model/modelFile.js';
import { Random } from '../src/random.js';
import { startRun } from '../src/run/run.js';
import { createEngine } from '../src/wasm/engine.js';
import { mutateJson, temporaryFolder } from './helpers.js';

// a real model.json: 50 steps of the default run (softmax regression, Adam) on 5000 images
const folder = join(temporaryFolder(), 'run');
await startRun({ steps: 50, trainLimit: 5000, testLimit: 100 }, { out: folder, threads: 1 });
const model = join(folder, 'model.json');
const reference = createEngine('reference');

describe('model.json that the engines could not run', () => {
  /** A tiny model: 2×2 inputs, dense 4→3, batchnorm, relu, dense 3→2, softmax. */
  const tiny = () => ({
    format: 'mnist-softmax-model',
    version: 1,
    input: { height: 2, width: 2, scale: 1 / 255, offset: 0 },
    classes: ['a', 'b'],
    layers: [
      {
        type: 'dense',
        inputs: 4,
        outputs: 3,
        weights: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [1, 1, 1],
        ],
        bias: [0, 0, 0],
      },
      {
        type: 'batchnorm',
        features: 3,
        epsilon: 0.001,
        momentum: 0.99,
        gamma: [1, 1, 1],
        beta: [0, 0, 0],
        movingMean: [0, 0, 0],
        movingVariance: [1, 1, 1],
      },
      { type: 'relu' },
      {
        type: 'dense',
        inputs: 3,
        outputs: 2,
        weights: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        bias: [0, 0],
      },
      { type: 'softmax' },
    ],
  });
  type Tiny = ReturnType<typeof tiny> & Record<string, unknown>;
  const cases: [string, (model: Tiny) => void, RegExp][] = [
    [
      'a bias of 1e39 (Infinity as float32)',
      (m) => ((m.layers[0] as { bias: number[] }).bias[1] = 1e39),
      /"bias"\[1\] is 1e\+39, not a number finite as float32/,
    ],
    [
      'an input scale of 1e308',
      (m) => (m.input.scale = 1e308),
      /"input.scale" and "input.offset" must be numbers finite as float32/,
    ],
    [
      'a BatchNorm epsilon of 1e-300 (0 as float32)',
      (m) => ((m.layers[1] as { epsilon: number }).epsilon = 1e-300),
      /"epsilon" must be a positive number, and above 0 as float32/,
    ],
    [
      'a first layer that is not dense',
      (m) =>
        m.layers.splice(
          0,
          5,
          { type: 'relu' } as never,
          {
            type: 'dense',
            inputs: 4,
            outputs: 2,
            weights: [
              [1, 0],
              [0, 1],
              [1, 1],
              [0, 0],
            ],
            bias: [0, 0],
          } as never,
          { type: 'softmax' },
        ),
      /the first layer must be dense/,
    ],
    ['a softmax alone', (m) => m.layers.splice(0, 4), /the first layer must be dense/],
  ];
  for (const [name, spoil, message] of cases) {
    it(`refuses ${name}`, () => {
      const model = tiny() as Tiny;
      spoil(model);
      expect(() => parseModel(JSON.stringify(model), 'model.json', reference)).toThrow(message);
    });
  }

  it('refuses class names with control characters (escape sequences would reach the terminal)', () => {
    for (const [index, name] of [
      [0, '\u001b[2Ja'],
      [1, 'b\u0007'],
      [1, 'b\u009b'],
    ] as const) {
      const model = tiny();
      model.classes[index] = name;
      expect(() => parseModel(JSON.stringify(model), 'model.json', reference)).toThrow(
        `model.json: class name ${index} holds control characters: ${JSON.stringify(name)}`,
      );
    }
    const model = tiny();
    model.classes = ['naïve', 'tab free'];
    expect(parseModel(JSON.stringify(model), 'model.json', reference).network.classes).toEqual([
      'naïve',
      'tab free',
    ]);
  });

  it('reads the tiny model itself, on both engines alike', () => {
    const x = Float32Array.from([10, 200, 0, 255], (p) => p / 255);
    const ref = parseModel(JSON.stringify(tiny()), 'model.json', reference).network.predict(x, 1);
    const wasm = parseModel(
      JSON.stringify(tiny()),
      'model.json',
      createEngine('wasm', 1),
    ).network.predict(x, 1);
    expect(Array.from(wasm)).toEqual(Array.from(ref).map((p) => expect.closeTo(p, 6)));
  });
});

describe('fuzz: model.json', () => {
  it('a mutated model is refused as a bad file, or runs on both engines alike', () => {
    const original = readFileSync(model, 'utf8');
    const random = new Random(21);
    const x = Float32Array.from({ length: 784 }, (_, i) => ((i * 37) % 255) / 255);
    const wasmEngine = createEngine('wasm', 1);
    let accepted = 0;
    for (let k = 0; k < 300; k++) {
      const text = mutateJson(original, random);
      let reference: Float32Array;
      try {
        reference = parseModel(text, 'model.json', createEngine('reference'))
          .network.predict(x, 1)
          .slice();
      } catch (error) {
        expect(error, String(error)).toBeInstanceOf(UserError);
        continue;
      }
      accepted++;
      const wasm = parseModel(text, 'model.json', wasmEngine).network.predict(x, 1);
      Array.from(reference).forEach((p, i) => {
        if (Number.isNaN(p)) expect(wasm[i]).toBeNaN();
        else expect(Math.abs(wasm[i] - p)).toBeLessThan(1e-5);
      });
    }
    expect(accepted).toBeGreaterThan(0); // some mutations leave a valid model (a changed weight)
  });
});

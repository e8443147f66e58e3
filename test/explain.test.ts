// `explain --json` against an independent float64 computation from model.json, written here in
// plain loops (none of the project's kernels): on softmax regression and on a BatchNorm MLP,
// each trained here on real MNIST, for a test image and for a PNG. And the text fits 40 and 80
// columns without breaking a number.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain, explanationJson, renderExplanation } from '../src/cli/explain.js';
import { loadDataset } from '../src/data/dataset.js';
import { encodeGreyPng } from '../src/data/png.js';
import { prepareDigit } from '../src/data/prepare.js';
import { train } from '../src/index.js';
import { MNIST, temporaryFolder } from './helpers.js';

const { test } = await loadDataset(MNIST, { testOnly: true });
const folder = temporaryFolder();

/** One epoch on the first 10,000 training images: a real model, quickly. */
async function trainedModel(name: string, options: Record<string, unknown>): Promise<string> {
  const out = join(folder, name);
  await train({ epochs: 1, trainLimit: 10_000, testLimit: 500, ...options }, { out, threads: 1 });
  return join(out, 'model.json');
}

const softmaxModel = await trainedModel('softmax', { optimizer: 'sgd', lr: 0.5 });
const batchnormModel = await trainedModel('batchnorm', { hidden: [32], batchnorm: true });

/** A test image drawn larger, as dark ink on white paper: a PNG as a person would give one. */
function drawingOf(index: number): { file: string; prepared: number[] } {
  const scale = 3;
  const side = 28 * scale;
  const grey = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const pixel = test.images[index * 784 + Math.floor(y / scale) * 28 + Math.floor(x / scale)];
      grey[y * side + x] = 255 - pixel;
    }
  }
  const file = join(folder, `drawing-${index}.png`);
  writeFileSync(file, encodeGreyPng(grey, side, side));
  // what the network must see: the picture prepared as predict prepares drawings
  const prepared = Array.from(
    prepareDigit({ width: side, height: side, pixels: grey }, 28, 28).pixels,
  );
  return { file, prepared };
}

// ---- the float64 reference: model.json's numbers, plain loops ----------------------------

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Tensors {
  z: number[];
  p: number[];
  crossEntropy: number;
  squaredError: number;
  dzCrossEntropy: number[];
  dp: number[];
  dzSquaredError: number[];
  jacobian: number[][];
  layerOutputs: number[][];
  /** Per loss: the gradient of every trained parameter (flattened), p and the loss after. */
  steps: Record<
    string,
    {
      gradients: number[][];
      sizes: (number[] | undefined)[];
      names: string[];
      pAfter: number[];
      lossAfter: number;
    }
  >;
}

function forward(layers: Json[], x: number[]): number[][] {
  const outputs: number[][] = [];
  let h = x;
  for (const layer of layers) {
    if (layer.type === 'dense') {
      const out = layer.bias.slice() as number[];
      for (let i = 0; i < h.length; i++) {
        for (let j = 0; j < out.length; j++) out[j] += h[i] * layer.weights[i][j];
      }
      h = out;
    } else if (layer.type === 'batchnorm') {
      h = h.map(
        (v, j) =>
          (layer.gamma[j] * (v - layer.movingMean[j])) /
            Math.sqrt(layer.movingVariance[j] + layer.epsilon) +
          layer.beta[j],
      );
    } else if (layer.type === 'relu') {
      h = h.map((v) => Math.max(0, v));
    } else {
      throw new Error(`no reference for ${layer.type}`);
    }
    outputs.push(h);
  }
  return outputs;
}

function softmax(z: number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function losses(z: number[], label: number) {
  const p = softmax(z);
  const max = Math.max(...z);
  const crossEntropy = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) - z[label];
  const y = p.map((_, j) => (j === label ? 1 : 0));
  const squaredError = p.reduce((s, v, j) => s + (v - y[j]) ** 2, 0) / p.length;
  return { p, y, crossEntropy, squaredError };
}

/** dlogits back through the layers: each trained parameter's gradient, as training trains them. */
function backward(layers: Json[], x: number[], outputs: number[][], dz: number[]) {
  const gradients: number[][] = [];
  /** Where a gradient's rounding is not of its own size: the size of its terms. */
  const sizes: (number[] | undefined)[] = [];
  const names: string[] = [];
  let dout = dz;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    const input = l > 0 ? outputs[l - 1] : x;
    if (layer.type === 'dense') {
      const dW: number[] = [];
      for (let i = 0; i < input.length; i++) for (const d of dout) dW.push(input[i] * d);
      const trainsBias = layers[l + 1]?.type !== 'batchnorm';
      gradients.unshift(dW, ...(trainsBias ? [dout.slice()] : []));
      sizes.unshift(undefined, ...(trainsBias ? [undefined] : []));
      names.unshift(`${l} weights`, ...(trainsBias ? [`${l} bias`] : []));
      const w = layer.weights as number[][];
      dout = input.map((_, i) => w[i].reduce((s, wij, j) => s + wij * dout[j], 0));
    } else if (layer.type === 'batchnorm') {
      const inverseStd = input.map(
        (_, j) => 1 / Math.sqrt(layer.movingVariance[j] + layer.epsilon),
      );
      const xHat = input.map((v, j) => (v - layer.movingMean[j]) * inverseStd[j]);
      gradients.unshift(
        dout.map((d, j) => d * xHat[j]),
        dout.slice(),
      );
      // x̂ = (x − mean) / σ cancels where x is near the mean: its rounding is that of x and the
      // mean, so dγ's is measured against |dout| (|x| + |mean|) / σ, the size of its terms
      sizes.unshift(
        dout.map(
          (d, j) =>
            Math.abs(d) * (Math.abs(input[j]) + Math.abs(layer.movingMean[j])) * inverseStd[j],
        ),
        undefined,
      );
      names.unshift(`${l} gamma`, `${l} beta`);
      dout = dout.map((d, j) => d * layer.gamma[j] * inverseStd[j]);
    } else {
      dout = dout.map((d, j) => (outputs[l][j] > 0 ? d : 0));
    }
  }
  return { gradients, names, sizes };
}

function reference(model: Json, pixels: number[], label: number, lr: number): Tensors {
  const { scale, offset } = model.input;
  const layers = (model.layers as Json[]).filter((layer) => layer.type !== 'softmax');
  const x = pixels.map((v) => v * scale + offset);
  const layerOutputs = forward(layers, x);
  const z = layerOutputs[layerOutputs.length - 1];
  const { p, y, crossEntropy, squaredError } = losses(z, label);
  const C = p.length;
  const dzCrossEntropy = p.map((v, j) => v - y[j]);
  const dp = p.map((v, j) => (2 * (v - y[j])) / C);
  const jacobian = p.map((pi, i) => p.map((pj, j) => pi * ((i === j ? 1 : 0) - pj)));
  const dzSquaredError = p.map((_, j) => dp.reduce((s, d, i) => s + d * jacobian[i][j], 0));
  const steps: Tensors['steps'] = {};
  for (const [loss, dz] of [
    ['cross-entropy', dzCrossEntropy],
    ['mse', dzSquaredError],
  ] as const) {
    const { gradients, names, sizes } = backward(layers, x, layerOutputs, dz);
    // θ − lr · g on a copy of the layers
    const stepped = structuredClone(layers);
    names.forEach((name, k) => {
      const [l, field] = name.split(' ');
      const layer = stepped[Number(l)];
      if (field === 'weights') {
        const columns = layer.weights[0].length;
        gradients[k].forEach(
          (g, i) => (layer.weights[Math.floor(i / columns)][i % columns] -= lr * g),
        );
      } else {
        gradients[k].forEach((g, i) => (layer[field][i] -= lr * g));
      }
    });
    const after = forward(stepped, x);
    const zAfter = after[after.length - 1];
    const lossesAfter = losses(zAfter, label);
    const lossAfter = loss === 'mse' ? lossesAfter.squaredError : lossesAfter.crossEntropy;
    steps[loss] = { gradients, sizes, names, pAfter: lossesAfter.p, lossAfter };
  }
  return {
    z,
    p,
    crossEntropy,
    squaredError,
    dzCrossEntropy,
    dp,
    dzSquaredError,
    jacobian,
    layerOutputs,
    steps,
  };
}

// ---- the comparison ------------------------------------------------------------------------

/**
 * The tolerance: float32 keeps 24 bits (relative rounding 6e-8 per operation); a sum of 784
 * products and the chain of layers after it gather at most some hundreds of those, so 1e-5 of
 * an element's size is float32 rounding and a wrong formula is far outside it. An element is
 * sized at least 1e-3 of its tensor's largest: where terms of that size cancel (a logit near 0,
 * p − y of a class with p near 0.5), the rounding is the terms', not the result's.
 */
const RELATIVE = 1e-5;
const FLOOR = 1e-3;

function worst(actual: number[], expected: number[], sizes?: number[]): number {
  expect(actual.length).toBe(expected.length);
  const largest = Math.max(...expected.map(Math.abs));
  let worstError = 0;
  for (let i = 0; i < actual.length; i++) {
    const own = sizes ? sizes[i] : Math.abs(expected[i]);
    const size = Math.max(own, FLOOR * largest, Number.MIN_VALUE);
    worstError = Math.max(worstError, Math.abs(actual[i] - expected[i]) / size);
  }
  return worstError;
}

/** Each tensor's worst relative error; all must be below RELATIVE. */
function errors(json: Json, model: Json, pixels: number[], label: number) {
  const ref = reference(model, pixels, label, json.learningRate.value);
  const flat = (rows: number[][]) => rows.flat();
  const result: Record<string, number> = {
    input: worst(
      json.input,
      pixels.map((v) => v * model.input.scale + model.input.offset),
    ),
    z: worst(json.logits, ref.z),
    p: worst(json.probabilities, ref.p),
    y: worst(
      json.y,
      ref.p.map((_, j) => +(j === label)),
    ),
    'cross-entropy loss': worst([json.crossEntropy.loss], [ref.crossEntropy]),
    'squared-error loss': worst([json.squaredError.loss], [ref.squaredError]),
    'dz (cross-entropy)': worst(json.crossEntropy.dlogits, ref.dzCrossEntropy),
    dp: worst(json.squaredError.dprobabilities, ref.dp),
    'dz (squared error)': worst(json.squaredError.dlogits, ref.dzSquaredError),
    jacobian: worst(flat(json.jacobian), flat(ref.jacobian)),
  };
  json.layers.forEach((layer: Json, l: number) => {
    result[`layer ${l} output`] = worst(layer.output, ref.layerOutputs[l]);
  });
  for (const loss of ['cross-entropy', 'mse']) {
    const step = json.steps[loss];
    const expected = ref.steps[loss];
    expect(step.parameters.map((p: Json) => `${p.layer} ${p.name}`)).toEqual(expected.names);
    step.parameters.forEach((parameter: Json, k: number) => {
      const gradient = parameter.shape.length === 2 ? flat(parameter.gradient) : parameter.gradient;
      result[`${loss} d${expected.names[k]}`] = worst(
        gradient,
        expected.gradients[k],
        expected.sizes[k],
      );
    });
    result[`${loss} p after`] = worst(step.probabilitiesAfter, expected.pAfter);
    result[`${loss} loss after`] = worst([step.lossAfter], [expected.lossAfter]);
  }
  return result;
}

function expectAgreement(json: Json, modelFile: string, pixels: number[], label: number) {
  const model = JSON.parse(readFileSync(modelFile, 'utf8'));
  const found = errors(json, model, pixels, label);
  const above = Object.entries(found).filter(([, error]) => !(error < RELATIVE));
  expect(above, JSON.stringify(found)).toEqual([]);
  expect(json.tfjs.maxAbsDiff).toBeLessThan(1e-5);
  return found;
}

describe('explain --json against a float64 computation from model.json', () => {
  const index = 8; // a 5, which these models get wrong or nearly: gradients far from 0
  const pixels = Array.from(test.images.subarray(index * 784, (index + 1) * 784));

  it('softmax regression, a test image: every tensor, the SGD rate the model trained with', async () => {
    const result = await explain(undefined, {
      model: softmaxModel,
      index,
      json: true,
      engine: 'wasm',
    });
    const json = explanationJson(result);
    expect(json.pixels).toEqual(pixels);
    expect(json.learningRate).toEqual({
      value: 0.5,
      source:
        "the run's base rate, its --lr; it trained with sgd on a cosine schedule; " +
        'neither the schedule nor a rate set by hand while it ran is applied here',
    });
    expect(json.sample.label).toBe(test.labels[index]);
    expect(json.jacobian).toHaveLength(10);
    expect(json.steps['cross-entropy'].parameters[0].gradient).toHaveLength(784);
    expectAgreement(json, softmaxModel, pixels, test.labels[index]);
  });

  it('softmax regression, a PNG on the reference engine, --label and --lr', async () => {
    const { file, prepared } = drawingOf(3);
    const options = {
      model: softmaxModel,
      label: '7',
      lr: 0.1,
      json: true,
      engine: 'reference' as const,
    };
    const json = explanationJson(await explain(file, options));
    expect(json.pixels).toEqual(prepared);
    expect(json.learningRate).toEqual({ value: 0.1, source: '--lr' });
    expect(json.sample.label).toBe(7);
    expectAgreement(json, softmaxModel, json.pixels, 7);
  });

  it('a BatchNorm MLP, a test image: inference-mode statistics, every layer', async () => {
    const result = await explain(undefined, {
      model: batchnormModel,
      index,
      json: true,
      engine: 'wasm',
    });
    const json = explanationJson(result);
    expect(json.layers.map((l: Json) => l.type)).toEqual(['dense', 'batchnorm', 'relu', 'dense']);
    expect(json.layers[1].statistics?.movingVariance).toHaveLength(32);
    // the dense layer before the BatchNorm trains no bias, and the step leaves it alone
    const names = json.steps.mse.parameters.map((p: Json) => `${p.layer} ${p.name}`);
    expect(names).toEqual(['0 weights', '1 gamma', '1 beta', '3 weights', '3 bias']);
    expectAgreement(json, batchnormModel, pixels, test.labels[index]);
  });

  it('a BatchNorm MLP, a PNG', async () => {
    const { file } = drawingOf(11);
    const json = explanationJson(
      await explain(file, { model: batchnormModel, label: '6', json: true, engine: 'wasm' }),
    );
    expectAgreement(json, batchnormModel, json.pixels, 6);
  });

  it('a wrong formula is caught: the check can fail', async () => {
    const result = await explain(undefined, {
      model: softmaxModel,
      index,
      json: true,
      engine: 'wasm',
    });
    const json = explanationJson(result);
    // squared error's gradient without the Jacobian: dp where dz belongs
    json.squaredError.dlogits = json.squaredError.dprobabilities;
    const model = JSON.parse(readFileSync(softmaxModel, 'utf8'));
    expect(errors(json, model, pixels, test.labels[index])['dz (squared error)']).toBeGreaterThan(
      0.1,
    );
  });
});

describe('explain as text', () => {
  /** The numbers of a text: a number broken across lines would show as two others. */
  const numbersIn = (text: string) => text.match(/-?\d+(\.\d+)?(e-?\d+)?/g);

  it('fits 40 and 80 columns and never breaks a number', async () => {
    for (const model of [softmaxModel, batchnormModel]) {
      const result = await explain(undefined, { model, index: 8, json: false, engine: 'wasm' });
      const unwrapped = renderExplanation(result, 10_000);
      for (const width of [40, 80]) {
        const text = renderExplanation(result, width);
        for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
        // the same numbers, whole (tables split at 40 columns repeat their class column)
        expect(new Set(numbersIn(text))).toEqual(new Set(numbersIn(unwrapped)));
        expect(text).toMatch(/cross-entropy L = −ln p_5 = \d/);
        expect(text).toMatch(/largest\s+\|difference\|/);
      }
    }
  });
});

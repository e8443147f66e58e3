// `toOnnx` checked by ONNX Runtime (its WebAssembly build, onnxruntime-web): models trained on
// real MNIST and Fashion-MNIST, each run on its whole test set, give the predicted class `eval`
// gives (the wasm engine's) for every image and probabilities within 1e-5 of the project's.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { FASHION_FOLDER } from '../src/data/dataset.js';
import { Activation, type Layer } from '../src/model/layers.js';
import { decodeOnnx } from '../src/model/onnxExport.js';
import {
  evaluate,
  loadDataset,
  Network,
  ONNX_OPSET,
  readModelFile,
  resolveDataSource,
  toOnnx,
  train,
  UserError,
  type Dataset,
  type RunOptions,
} from '../src/index.js';
import { MNIST, temporaryFolder } from './helpers.js';

/** What the tests read of a decoded model (onnx.proto's fields). */
interface Decoded {
  producerName: string;
  producerVersion: string;
  opsetImport: { domain?: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    node: { opType: string }[];
    input: {
      type: {
        tensorType: {
          elemType: number;
          shape: { dim: { dimParam?: string; dimValue?: number }[] };
        };
      };
    }[];
  };
}
const decoded = (bytes: Uint8Array) => decodeOnnx(bytes) as unknown as Decoded;
const { version } = (await import('../package.json', { with: { type: 'json' } })).default;

// one thread: the machine's cores are shared, and no worker files are needed
ort.env.wasm.numThreads = 1;

/**
 * CI installs Debian's dataset-fashion-mnist (.ci/run); elsewhere its test is skipped when the
 * folder is absent, unless REQUIRE_FASHION=1 demands it.
 */
const haveFashion =
  existsSync(FASHION_FOLDER) || process.env.CI === 'true' || process.env.REQUIRE_FASHION === '1';
if (!haveFashion) {
  console.warn(`onnx.test: ${FASHION_FOLDER} absent: the Fashion-MNIST export test is skipped`);
}

const mnist = await loadDataset(MNIST, { testOnly: true });

/** Trains a small model in-process (one epoch of 10,000 images, one thread), read back as `eval` reads it (wasm engine). */
async function trained(options: Partial<RunOptions>) {
  const out = join(temporaryFolder(), 'run');
  await train({ epochs: 1, trainLimit: 10_000, testLimit: 100, ...options }, { out, threads: 1 });
  return (await readModelFile(join(out, 'model.json'))).network;
}

/** The exported model run by ONNX Runtime on the whole test set, against the project's. */
async function expectSameAsEval(network: Network, data: Dataset) {
  const bytes = toOnnx(network);
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual(['pixels']);
  expect(session.outputNames).toEqual(['probabilities']);
  const { images, labels, count } = data.test;
  const size = network.inputSize;
  const classes = network.classes.length;
  expect(count).toBe(10_000);
  const pixels = Float32Array.from(images.subarray(0, count * size)); // raw 0–255
  const result = await session.run({ pixels: new ort.Tensor('float32', pixels, [count, size]) });
  await session.release();
  const theirs = result.probabilities.data as Float32Array;
  expect(result.probabilities.dims).toEqual([count, classes]);

  const ours = network.classify(images.subarray(0, count * size), count);
  let worst = 0;
  let differing = 0;
  let correct = 0;
  for (let n = 0; n < count; n++) {
    let argmax = 0;
    for (let j = 0; j < classes; j++) {
      const i = n * classes + j;
      worst = Math.max(worst, Math.abs(theirs[i] - ours.probabilities[i]));
      if (theirs[i] > theirs[n * classes + argmax]) argmax = j;
    }
    if (argmax !== ours.predicted[n]) differing++;
    if (argmax === labels[n]) correct++;
  }
  expect(differing, 'images whose predicted class differs').toBe(0);
  expect(worst, 'largest probability difference').toBeLessThan(1e-5);
  // the accuracy `eval` prints, from the same classes
  expect(correct / count).toBe(evaluate(network, data.test).accuracy);
  // a model that has learned (76–90% here): peaked probabilities, not ten near-equal ones
  expect(correct / count).toBeGreaterThan(0.6);
  return { bytes, worst };
}

describe('toOnnx in ONNX Runtime, on the whole test set', () => {
  it('softmax regression', async () => {
    const network = await trained({});
    const { bytes } = await expectSameAsEval(network, mnist);
    const model = decoded(bytes);
    expect(model.producerName).toBe('mnist-softmax');
    expect(model.producerVersion).toBe(version);
    expect(model.opsetImport.map((o) => [o.domain ?? '', o.version])).toEqual([['', 17]]);
    expect(ONNX_OPSET).toBe(17);
    const metadata = Object.fromEntries(model.metadataProps.map(({ key, value }) => [key, value]));
    expect(JSON.parse(metadata.classes)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    expect(metadata['mnist-softmax.version']).toBe(version);
    const input = model.graph.input[0].type.tensorType;
    expect(input.elemType).toBe(1); // TensorProto.FLOAT
    expect(input.shape.dim.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 784]);
    expect(model.graph.node.map((node) => node.opType)).toEqual(['Mul', 'Add', 'Gemm', 'Softmax']);
  });

  for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
    it(`a BatchNorm MLP with ${activation}`, async () => {
      const network = await trained({ hidden: [24, 12], batchnorm: true, activation });
      const { bytes } = await expectSameAsEval(network, mnist);
      const ops = decoded(bytes).graph.node.map((node) => node.opType);
      const hidden = [
        'Gemm',
        'BatchNormalization',
        activation[0].toUpperCase() + activation.slice(1),
      ];
      expect(ops).toEqual(['Mul', 'Add', ...hidden, ...hidden, 'Gemm', 'Softmax']);
    });
  }

  it.skipIf(!haveFashion)(
    'a BatchNorm MLP trained on Fashion-MNIST, its class names in the metadata',
    async () => {
      const network = await trained({ data: 'fashion', hidden: [32], batchnorm: true });
      const fashion = await loadDataset(resolveDataSource('fashion'), { testOnly: true });
      const { bytes } = await expectSameAsEval(network, fashion);
      const metadata = decoded(bytes).metadataProps;
      const classes = JSON.parse(metadata.find(({ key }) => key === 'classes')!.value);
      expect(classes).toEqual(network.classes);
      expect(classes[0]).toBe('T-shirt/top');
    },
  );
});

describe('toOnnx refuses what ONNX export cannot express', () => {
  it('names the layer, in one line', async () => {
    const base = await trained({ steps: 5, hidden: [8] });
    const withLayers = (layers: Layer[]) =>
      new Network(base.input, base.classes, layers, base.engine);
    const softplus = new Activation(base.engine, 'softplus' as never, 8);
    const expectRefusal = (layers: Layer[], message: RegExp) => {
      let caught: unknown = null;
      try {
        toOnnx(withLayers(layers));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain('\n');
    };
    const [dense, relu, output] = base.layers;
    expectRefusal([dense, softplus, output], /^layer 2 \(softplus\): activation softplus/);
    const pooling = { ...relu, type: 'maxpool', keras: () => ({ className: 'MaxPooling' }) };
    expectRefusal(
      [dense, relu, pooling as never, output],
      /^layer 3 \(maxpool\): a MaxPooling layer is not exported; ONNX export knows dense, batchnorm, relu, sigmoid, tanh$/,
    );
  });
});

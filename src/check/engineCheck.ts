// The engine check (`mnist-softmax gradcheck --engines`): every wasm kernel against the
// reference function it must equal, on real MNIST batches, in every configuration that the
// kernel table (wasm/kernelTable.ts) can choose: sparse and dense input, narrow and wide layers,
// minibatches and a full batch, each optimiser, one and two threads. Per tensor: the largest
// absolute and relative difference, within float32 tolerance or FAIL.

import type { Dataset } from '../data/dataset.js';
import { compare } from './finiteDifferences.js';
import type { Engine } from '../model/engine.js';
import { buildNetwork, MNIST_INPUT, type Architecture, type Network } from '../model/network.js';
import { argmax } from '../model/tensor.js';
import { Random } from '../random.js';
import { LossBuffers, lossAndGradient } from '../train/losses.js';
import { createOptimizer, OPTIMIZER_DEFAULTS, type OptimizerName } from '../train/optimizers.js';
import { ReferenceEngine } from '../model/referenceEngine.js';
import { SUM_BLOCK } from '../wasm/blocks.js';
import { WasmEngine } from '../wasm/engine.js';
import {
  hasRelaxedSimd,
  resolveKernels,
  type KernelChoice,
  type KernelsName,
} from '../wasm/kernelChoice.js';
import { choose, DENSE_BACKWARD, DENSE_FORWARD, type TableRow } from '../wasm/kernelTable.js';

/** float32 sums in another order: within 1e-3 of each value, or of 1% of the tensor's largest. */
export const ENGINE_TOLERANCE = 1e-3;

export interface EngineConfiguration {
  name: string;
  architecture: Architecture;
  batch: number;
  optimizer: OptimizerName;
  threads: number;
  /** The batch comes from an epoch's order (a copy of the rows), not file order (L-BFGS's). */
  shuffled?: boolean;
}

export interface TensorCheck {
  configuration: string;
  tensor: string;
  /** The dense layers' wasm kernels, as the kernel table chose them: a line per layer. */
  kernels: string;
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}

const SOFTMAX: Architecture = { hidden: [], activation: 'relu', batchnorm: false, init: 'xavier' };
const MLP: Architecture = { hidden: [32, 16], activation: 'relu', batchnorm: true, init: 'auto' };
/** Widths at the kernels' edges and the activations that stay in TypeScript, on one thread. */
const EDGES: [string, Architecture][] = [
  ['784-64-10 BatchNorm ReLU', { hidden: [64], activation: 'relu', batchnorm: true, init: 'auto' }],
  [
    '784-40-35-10 sigmoid (odd widths)',
    { hidden: [40, 35], activation: 'sigmoid', batchnorm: false, init: 'auto' },
  ],
  ['784-37-10 BatchNorm tanh', { hidden: [37], activation: 'tanh', batchnorm: true, init: 'auto' }],
  [
    "784-13-12-10 (at the narrow kernels' edge)",
    { hidden: [13, 12], activation: 'relu', batchnorm: false, init: 'auto' },
  ],
];

/**
 * Softmax regression covers the sparse narrow kernels (a minibatch, and a full batch of 3000
 * in blocks, by rows in an epoch's order and by its kept columns in file order); the 784-32(BatchNorm, ReLU)-16-10 network the sparse wide kernels with their
 * columns, the dense kernels (32→16) and the narrow ones (16→10), BatchNorm and ReLU; the
 * EDGES, odd widths and the widths either side of the narrow kernels' 12 outputs.
 */
export function engineConfigurations(): EngineConfiguration[] {
  const configurations: EngineConfiguration[] = [];
  for (const threads of [1, 2]) {
    for (const optimizer of ['sgd', 'momentum', 'adam'] as OptimizerName[]) {
      configurations.push(
        { name: '784-10, batch 100', architecture: SOFTMAX, batch: 100, optimizer, threads },
        {
          name: '784-32-16-10 BatchNorm ReLU, batch 100',
          architecture: MLP,
          batch: 100,
          optimizer,
          threads,
        },
      );
    }
    if (threads === 1) {
      for (const [name, architecture] of EDGES) {
        for (const optimizer of ['sgd', 'momentum', 'adam'] as OptimizerName[]) {
          configurations.push({
            name: `${name}, batch 100`,
            architecture,
            batch: 100,
            optimizer,
            threads,
          });
        }
      }
    }
    configurations.push(
      {
        name: '784-10, full batch of 3000 in file order (columns kept)',
        architecture: SOFTMAX,
        batch: 3000,
        optimizer: 'adam',
        threads,
      },
      {
        name: "784-10, full batch of 3000 in an epoch's order",
        architecture: SOFTMAX,
        batch: 3000,
        optimizer: 'adam',
        threads,
        shuffled: true,
      },
    );
  }
  return configurations;
}

/** The kernels the table chooses for each dense layer of `network` on a batch, one line each. */
function denseKernels(network: Network, batch: number, shuffled: boolean): string[] {
  let sparse = true;
  return network.layers.flatMap((layer) => {
    if (layer.type !== 'dense') return [];
    // the columns of a large batch in file order are kept (wasm/sparseBatches.ts)
    const columns = sparse && !shuffled && batch > SUM_BLOCK;
    const c = { sparse, outputs: layer.outputs, batch, training: true, columns };
    sparse = false;
    const kernels = (row: TableRow, training = true) =>
      choose(row, { ...c, training }).kernels.join(' + ');
    return [
      `${layer.inputs}→${layer.outputs} forward: ${kernels(DENSE_FORWARD)}` +
        ` (inference: ${kernels(DENSE_FORWARD, false)});` +
        ` backward: ${kernels(DENSE_BACKWARD)}`,
    ];
  });
}

/** The optimiser's state arrays by name: Adam's m and v, momentum's velocity, per parameter. */
function stateName(optimizer: OptimizerName, index: number): string {
  if (optimizer === 'adam') return `${index % 2 ? 'v' : 'm'} of parameter ${index >> 1}`;
  return `velocity of parameter ${index}`;
}

/**
 * What one training step leaves: the tensors compared, by name. `updateFrom`: the gradients the
 * update starts from instead of the network's own (the reference's, so that the update kernels
 * are compared on the same input: Adam divides by √v, which makes float32 noise in a gradient
 * near zero a difference of a whole step).
 */
function step(
  network: Network,
  data: Dataset,
  configuration: EngineConfiguration,
  updateFrom?: Float32Array[],
) {
  const { batch: size, optimizer, shuffled = false } = configuration;
  const source = network.engine.batches(network.input, data.train, size);
  const count = data.train.count;
  source.startEpoch(shuffled ? Uint32Array.from({ length: count }, (_, n) => count - 1 - n) : null);
  const batch = source.batch(0, size);
  const tensors: [string, ArrayLike<number>][] = [];
  const inference = network.forward(batch.input, size, false).slice();
  const logits = network.forward(batch.input, size, true);
  tensors.push(['logits (inference)', inference], ['logits (training)', logits.slice()]);
  const buffers = new LossBuffers(size, network.classes.length, network.engine);
  const classes = network.classes.length;
  const dlogits = lossAndGradient('cross-entropy', buffers, logits, batch.labels, size, classes);
  tensors.push(['losses (float64)', buffers.losses.slice(0, size)], ['dlogits', dlogits.slice()]);
  // the predicted classes, held to the argmax of the logits the kernel was given (between the
  // engines, logits within float32 noise of a tie could rightly give another class)
  let mispredicted = 0;
  for (let n = 0; n < size; n++) {
    if (buffers.predicted[n] !== argmax(logits, n * classes, classes)) mispredicted++;
  }
  tensors.push(['predicted classes ≠ argmax of the logits (count)', [mispredicted]]);
  network.backward(dlogits, size);
  const parameters = network.parameters();
  const gradients = parameters.map(({ parameter }) => parameter.gradient.slice());
  parameters.forEach(({ parameter, layer }, i) =>
    tensors.push([`d${parameter.name} (layer ${layer})`, gradients[i]]),
  );
  // a second backward pass overwrites the gradients of the first (no zeroing pass between)
  network.backward(dlogits, size);
  const [first] = parameters;
  tensors.push([
    `d${first.parameter.name} (layer ${first.layer}, again)`,
    first.parameter.gradient.slice(),
  ]);
  updateFrom?.forEach((gradient, i) => parameters[i].parameter.gradient.set(gradient));
  const update = createOptimizer({ ...OPTIMIZER_DEFAULTS, name: optimizer }, 1e-3, network.engine);
  const values = parameters.map((p) => p.parameter);
  update.step(values, 0.01);
  update.step(values, 0.01); // twice: the optimiser's state is used too
  parameters.forEach(({ parameter, layer }) =>
    tensors.push([
      `${parameter.name} after ${optimizer} (layer ${layer})`,
      parameter.value.slice(),
    ]),
  );
  update
    .state()
    .arrays.forEach((array, i) => tensors.push([stateName(optimizer, i), array.slice()]));
  return { tensors, gradients };
}

/**
 * Runs every configuration on the reference and the wasm engine from the same initial weights.
 * `prepare` may change the wasm engine before it runs (a test breaks a kernel with it).
 */
export function checkEngines(
  data: Dataset,
  prepare: (engine: WasmEngine) => void = () => {},
  kernelSets: KernelsName[] = ['exact'],
): TensorCheck[] {
  const checks: TensorCheck[] = [];
  for (const kernelSet of kernelSets) {
    for (const configuration of engineConfigurations()) {
      checks.push(...checkConfiguration(data, configuration, kernelSet, prepare));
    }
  }
  return checks;
}

/**
 * The kernels `gradcheck --engines --kernels <choice>` checks: auto checks the exact kernels and,
 * where the runtime has relaxed SIMD, the relaxed ones too.
 */
export function kernelSetsOf(choice: KernelChoice): KernelsName[] {
  if (choice !== 'auto') return [resolveKernels(choice)];
  return hasRelaxedSimd() ? ['exact', 'relaxed'] : ['exact'];
}

/** One configuration on the reference and on the wasm engine with `kernelSet`. */
function checkConfiguration(
  data: Dataset,
  configuration: EngineConfiguration,
  kernelSet: KernelsName,
  prepare: (engine: WasmEngine) => void,
): TensorCheck[] {
  const checks: TensorCheck[] = [];
  const build = (engine: Engine) =>
    buildNetwork(MNIST_INPUT, data.classes, configuration.architecture, new Random(7), engine);
  const wasmEngine = new WasmEngine(configuration.threads, kernelSet);
  prepare(wasmEngine);
  try {
    const reference = step(build(new ReferenceEngine()), data, configuration);
    const wasmNetwork = build(wasmEngine);
    const wasm = step(wasmNetwork, data, configuration, reference.gradients).tensors;
    const { batch, shuffled = false } = configuration;
    const kernels = denseKernels(wasmNetwork, batch, shuffled).join('\n');
    const threads = `${configuration.threads} thread${configuration.threads > 1 ? 's' : ''}`;
    const name = `${configuration.name}, ${configuration.optimizer}, ${threads}${kernelSet === 'exact' ? '' : `, ${kernelSet} kernels`}`;
    reference.tensors.forEach(([tensor, expected], i) => {
      const scale = Array.from(expected).reduce((max, v) => Math.max(max, Math.abs(v)), 0);
      const { maxAbsError, maxRelError } = compare(
        wasm[i][1],
        expected,
        Math.max(1e-6, 0.01 * scale),
      );
      checks.push({
        configuration: name,
        tensor,
        kernels,
        maxAbsError,
        maxRelError,
        ok: maxRelError < ENGINE_TOLERANCE,
      });
    });
  } finally {
    wasmEngine.close();
  }
  return checks;
}

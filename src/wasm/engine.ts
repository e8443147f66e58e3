// The fast engine: every array of a network lives in one WebAssembly memory (memory.ts), and
// the kernels (dense layers on sparse or dense input, BatchNorm, ReLU, softmax with
// cross-entropy, the optimisers' updates) run there with 128-bit SIMD (src/wasm/assembly), the
// large ones shared among worker threads (kernels.ts, threads.ts). The dense layer runs the
// kernels that the kernel table chooses (kernelTable.ts); the other functions have one kernel
// each. The images come as sparse rows (sparseRows.ts, sparseBatches.ts). Squared error,
// sigmoid and tanh are rare and stay in the reference TypeScript, which works on the same arrays.

import { ACTIVATION_KERNELS, type ActivationName } from '../model/activations.js';
import type { Split } from '../data/dataset.js';
import { DenseBatches, pixelInputs, type BatchSource } from '../model/batches.js';
import type { Engine, LayerInput } from '../model/engine.js';
import type { InputSpec } from '../model/network.js';
import { ReferenceEngine } from '../model/referenceEngine.js';
import { UsageError } from '../errors.js';
import { BLOCK, SAMPLES_BLOCK, SQUARES_BLOCK, SUM_BLOCK, UPDATE_BLOCK } from './blocks.js';
import { ENGINES, type EngineName } from './engineNames.js';
import {
  KERNEL_FILES,
  resolveKernels,
  type KernelChoice,
  type KernelsName,
} from './kernelChoice.js';
import { Kernels } from './kernels.js';
import { startNodeThread } from './nodeThreads.js';
import { choose, DENSE_BACKWARD, DENSE_FORWARD, type WasmContext } from './kernelTable.js';
import { pointer as p, WasmMemory } from './memory.js';
import { Scratch } from './scratch.js';
import type { StartThread } from './threads.js';
import { SparseBatches } from './sparseBatches.js';
import { isSparse, sparseHolds, SparseRowBuilder, type SparseRows } from './sparseRows.js';

type ActivationKernels = {
  forward(out: Float32Array, x: Float32Array, length: number): void;
  /** dx is overwritten. */
  backward(dx: Float32Array, dout: Float32Array, out: Float32Array, length: number): void;
};

export class WasmEngine implements Engine, WasmContext {
  readonly name = 'wasm';
  readonly memory = new WasmMemory();
  readonly kernels: Kernels;
  readonly scratch: Scratch;
  /** Builds the images' sparse rows in this engine's memory. */
  readonly rows: SparseRowBuilder;

  /** Which build of the kernels runs (kernelChoice.ts); null: a file given by URL. */
  readonly kernelsName: KernelsName | null;

  /**
   * `threads` > 1 runs the large kernels on that many threads (see threads.ts), started by
   * `startThread` (Node.js worker threads unless the browser's are given). `kernels`: the
   * exact or the relaxed build, or the URL of another build of kernels.wasm (for A/B
   * measurements of kernel changes).
   */
  constructor(
    threads = 1,
    kernels: KernelsName | URL = 'exact',
    startThread: StartThread = startNodeThread,
  ) {
    const file = kernels instanceof URL ? kernels : KERNEL_FILES[kernels];
    this.kernelsName = kernels instanceof URL ? null : kernels;
    this.kernels = new Kernels(this.memory.memory, threads, file, startThread);
    this.memory.reserveStart(this.kernels.local.staticEnd());
    this.scratch = new Scratch(this.memory);
    this.rows = new SparseRowBuilder(this.memory, this.kernels, this.scratch);
  }

  /** Stops the worker threads, if any. */
  close(): void {
    this.kernels.close();
  }

  allocate(length: number): Float32Array {
    return this.memory.floats(length);
  }

  allocateBytes(bytes: number): Uint8Array {
    return this.memory.bytes(bytes);
  }

  /** Bytes handed out so far. */
  get allocatedBytes(): number {
    return this.memory.allocatedBytes;
  }

  /** Sparse rows where they hold the input (sparseHolds), dense batches otherwise. */
  batches(input: InputSpec, split: Split, capacity: number): BatchSource {
    return sparseHolds(input, split.height * split.width)
      ? new SparseBatches(this, input, split)
      : new DenseBatches(this, input, split, capacity);
  }

  /** As `batches` gives them: sparse rows where they hold the input, else dense floats. */
  imageInput(input: InputSpec, images: Uint8Array, count: number): LayerInput {
    const pixels = input.height * input.width;
    images = images.subarray(0, count * pixels);
    if (!sparseHolds(input, pixels)) {
      const x = this.scratch.inputs.get(count * pixels);
      pixelInputs(x, 0, images, input);
      return x.subarray(0, count * pixels);
    }
    const rows = this.rows.compress(images, count, pixels, this.scratch.inputRows);
    const sparse: SparseRows = { form: 'sparse rows', ...rows, scale: input.scale };
    return sparse;
  }

  softmaxCrossEntropy: Engine['softmaxCrossEntropy'] = (
    losses,
    dlogits,
    predicted,
    logits,
    labels,
    batch,
    classes,
    scale,
  ) => {
    const inMemory = this.scratch.labels.get(batch);
    inMemory.set(labels.subarray(0, batch));
    const args = [p(losses), p(dlogits), p(predicted), p(logits), p(inMemory), classes, scale];
    this.kernels.parallel('softmaxCrossEntropy', args, batch, SAMPLES_BLOCK);
  };

  sumOfSquares = (values: Float32Array): number => {
    const blocks = Math.ceil(values.length / SQUARES_BLOCK);
    const partials = this.scratch.partials.get(blocks);
    const args = [p(values), p(partials), SQUARES_BLOCK];
    this.kernels.parallel('sumOfSquares', args, values.length, SQUARES_BLOCK);
    let sum = 0;
    for (let b = 0; b < blocks; b++) sum += partials[b];
    return sum;
  };

  denseForward: Engine['denseForward'] = (out, x, W, b, batch, inputs, outputs, training) => {
    const sparse = isSparse(x);
    const call = {
      sparse,
      outputs,
      batch,
      training: training === true,
      columns: false,
      out,
      x,
      W,
      b,
      inputs,
    };
    choose(DENSE_FORWARD, call).run(this, call);
  };

  denseBackward: Engine['denseBackward'] = (dx, dW, db, dout, x, W, batch, inputs, outputs) => {
    const sparse = isSparse(x);
    // the columns of a large batch whose rows never change are kept (sparseBatches.ts)
    const columns = sparse && x.columns !== undefined && batch > SUM_BLOCK;
    const call = {
      sparse,
      outputs,
      batch,
      training: true,
      columns,
      dx,
      dW,
      db,
      dout,
      x,
      W,
      inputs,
    };
    choose(DENSE_BACKWARD, call).run(this, call);
  };

  // prettier-ignore
  batchnormForwardTraining: Engine['batchnormForwardTraining'] = (
    out, normalized, inverseStd, x, gamma, beta, movingMean, movingVariance, batch, features,
    epsilon, momentum,
  ) => {
    const [mean] = this.scratch.batchnorm(features);
    const args = [
      p(out), p(normalized), p(inverseStd), p(mean), p(x), p(gamma), p(beta), p(movingMean),
      p(movingVariance), batch, features, epsilon, momentum,
    ];
    this.kernels.parallel('batchnormForwardTraining', args, features, BLOCK);
  };

  // prettier-ignore
  batchnormForwardInference: Engine['batchnormForwardInference'] = (
    out, x, gamma, beta, movingMean, movingVariance, batch, features, epsilon,
  ) => {
    const [scale, shift] = this.scratch.batchnorm(features);
    this.kernels.local.batchnormForwardInference(
      p(out), p(x), p(gamma), p(beta), p(movingMean), p(movingVariance), p(scale), p(shift),
      batch, features, epsilon,
    );
  };

  // prettier-ignore
  batchnormBackward: Engine['batchnormBackward'] = (
    dx, dgamma, dbeta, dout, normalized, inverseStd, gamma, batch, features,
  ) => {
    const [sumDy, sumDyXHat, coefficient] = this.scratch.batchnorm(features);
    const args = [
      p(dx), p(dgamma), p(dbeta), p(sumDy), p(sumDyXHat), p(coefficient), p(dout), p(normalized),
      p(inverseStd), p(gamma), batch, features,
    ];
    this.kernels.parallel('batchnormBackward', args, features, BLOCK);
  };

  /** ReLU by its kernels; sigmoid and tanh by the reference functions, on the same arrays. */
  private readonly activations: Record<ActivationName, ActivationKernels> = {
    relu: {
      forward: (out, x, length) => this.kernels.local.reluForward(p(out), p(x), length),
      backward: (dx, dout, out, length) =>
        this.kernels.local.reluBackward(p(dx), p(dout), p(out), length),
    },
    sigmoid: reference('sigmoid'),
    tanh: reference('tanh'),
  };

  activationForward: Engine['activationForward'] = (name, out, x, length) => {
    this.activations[name].forward(out, x, length);
  };

  activationBackward: Engine['activationBackward'] = (name, dx, dout, out, length) => {
    this.activations[name].backward(dx, dout, out, length);
  };

  sgdStep: Engine['sgdStep'] = (value, gradient, learningRate, decay) => {
    const args = [p(value), p(gradient), learningRate, decay];
    this.kernels.parallel('sgdStep', args, value.length, UPDATE_BLOCK);
  };

  momentumStep: Engine['momentumStep'] = (value, gradient, velocity, learningRate, decay, mu) => {
    const args = [p(value), p(gradient), p(velocity), learningRate, decay, mu];
    this.kernels.parallel('momentumStep', args, value.length, UPDATE_BLOCK);
  };

  // prettier-ignore
  adamStep: Engine['adamStep'] = (value, gradient, m, v, lr, decay, beta1, beta2, eps, c1, c2) => {
    const args = [p(value), p(gradient), p(m), p(v), lr, decay, beta1, beta2, eps, c1, c2];
    this.kernels.parallel('adamStep', args, value.length, UPDATE_BLOCK);
  };
}

/** The reference functions of an activation, dx zeroed first (they accumulate). */
function reference(name: ActivationName): ActivationKernels {
  const { forward, backward } = ACTIVATION_KERNELS[name];
  return {
    forward,
    backward: (dx, dout, out, length) => {
      dx.fill(0, 0, length);
      backward(dx, dout, out, length);
    },
  };
}

/**
 * The engine of a name, as `--engine` takes it: wasm with `threads` threads (close it to stop
 * them) running the kernels `kernels` chooses (as `--kernels` takes it, kernelChoice.ts), or
 * the reference. Any other name is refused as the command line refuses it.
 */
export function createEngine(
  name: EngineName,
  threads = 1,
  kernels: KernelChoice = 'auto',
): Engine {
  switch (name) {
    case 'wasm':
      return new WasmEngine(threads, resolveKernels(kernels));
    case 'reference':
      return new ReferenceEngine();
    default:
      throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, not "${String(name)}".`);
  }
}

export type { EngineName } from './engineNames.js';
export type { KernelChoice, KernelsName } from './kernelChoice.js';

/** The kernels an engine runs: exact or relaxed for the wasm engine, null for the reference. */
export function kernelsOf(engine: Engine): KernelsName | null {
  return engine instanceof WasmEngine ? engine.kernelsName : null;
}

// The fast engine: every array of a network lives in one WebAssembly memory, and the heavy
// kernels (dense layers on sparse or dense input, BatchNorm, ReLU, the optimisers' updates)
// run there with 128-bit SIMD (src/wasm/assembly/kernels.ts). The softmax and loss over
// (batch, classes), and sigmoid and tanh, are small and stay in the reference TypeScript, which
// works on the same arrays.
//
// The memory is shared (a SharedArrayBuffer): growing it does not detach the arrays already
// handed out, so allocation can grow it at any time.

import { readFileSync } from 'node:fs';
import { ACTIVATION_KERNELS } from '../model/activations.js';
import { isSparse, referenceEngine, type Engine } from '../model/engine.js';

/** Built by `npm run build` from src/wasm/assembly/kernels.ts; src/ and dist/ are siblings. */
const WASM_FILE = new URL('../../dist/wasm/kernels.wasm', import.meta.url);
const PAGE = 65536;
/** Dense layers with fewer outputs than this use the kernels that work on Wᵀ. */
const NARROW = 16;

type Pointer = number;

/** The exports of kernels.wasm: pointers are byte offsets into the memory, sizes are counts. */
interface Kernels {
  sparseDenseForward(...args: number[]): void;
  sparseDenseBackward(...args: number[]): void;
  denseForward(...args: number[]): void;
  denseBackward(...args: number[]): void;
  denseForwardNarrow(...args: number[]): void;
  denseBackwardNarrow(...args: number[]): void;
  batchnormForwardTraining(...args: number[]): void;
  batchnormForwardInference(...args: number[]): void;
  batchnormBackward(...args: number[]): void;
  reluForward(out: Pointer, x: Pointer, length: number): void;
  reluBackward(dx: Pointer, dout: Pointer, out: Pointer, length: number): void;
  sgdStep(...args: number[]): void;
  momentumStep(...args: number[]): void;
  adamStep(...args: number[]): void;
  sumOfSquares(x: Pointer, length: number): number;
  gatherRows(...args: number[]): void;
}

let compiled: WebAssembly.Module | null = null;

function kernelsModule(): WebAssembly.Module {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_FILE);
    } catch {
      throw new Error(`${WASM_FILE.pathname} is missing: run \`npm run build\``);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** The byte offset of an array in the engine's memory: what the kernels take. */
function pointer(array: ArrayBufferView): Pointer {
  if (!(array.buffer instanceof SharedArrayBuffer)) {
    throw new Error('the wasm engine was given an array that is not in its memory');
  }
  return array.byteOffset;
}

export class WasmEngine implements Engine {
  readonly name = 'wasm';
  readonly sparseInput = true;
  readonly memory: WebAssembly.Memory;
  private readonly kernels: Kernels;
  /** Next free byte; 0..15 stay unused so that 0 can mean "no array". */
  private top = 16;
  /** Per-feature scratch arrays of the BatchNorm kernels, by feature count. */
  private readonly scratch = new Map<number, Float32Array[]>();

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(kernelsModule(), {
      env: {
        memory: this.memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    this.kernels = instance.exports as unknown as Kernels;
  }

  private reserve(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes + 16; // kernels may read (never write) up to 16 bytes past an array
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  allocate(length: number): Float32Array {
    const at = this.reserve(4 * length); // before reading .buffer: reserving may grow it
    return new Float32Array(this.memory.buffer, at, length);
  }

  allocateBytes(bytes: number): Uint8Array {
    const at = this.reserve(bytes);
    return new Uint8Array(this.memory.buffer, at, bytes);
  }

  /** Bytes handed out so far. */
  get allocatedBytes(): number {
    return this.top;
  }

  private scratchFor(features: number): Float32Array[] {
    let arrays = this.scratch.get(features);
    if (!arrays) {
      arrays = [this.allocate(features), this.allocate(features), this.allocate(features)];
      this.scratch.set(features, arrays);
    }
    return arrays;
  }

  /** Scratch for a batch's sparse rows turned into columns: grown when a batch needs more. */
  private columns: {
    start: Uint32Array;
    sample: Uint32Array;
    value: Float32Array;
  } | null = null;

  private columnsFor(inputs: number, nonzeros: number) {
    let columns = this.columns;
    if (!columns || columns.start.length !== inputs + 1 || columns.sample.length < nonzeros) {
      const capacity = 2 * nonzeros;
      const start = this.allocateBytes(4 * (inputs + 1));
      const sample = this.allocateBytes(4 * capacity);
      columns = this.columns = {
        start: new Uint32Array(start.buffer, start.byteOffset, inputs + 1),
        sample: new Uint32Array(sample.buffer, sample.byteOffset, capacity),
        value: this.allocate(capacity),
      };
    }
    return columns;
  }

  private transposed: Float32Array | null = null;

  /** Scratch for the narrow dense kernels: Wᵀ and dWᵀ. */
  private transposedFor(weights: number): Float32Array {
    if (!this.transposed || this.transposed.length < 2 * weights) {
      this.transposed = this.allocate(2 * weights);
    }
    return this.transposed;
  }

  gatherRows: NonNullable<Engine['gatherRows']> = (to, from, order) => {
    this.kernels.gatherRows(
      pointer(to.rowStart),
      pointer(to.index),
      pointer(to.value),
      pointer(from.rowStart),
      pointer(from.index),
      pointer(from.value),
      pointer(order),
      order.length,
    );
  };

  sumOfSquares = (values: Float32Array): number =>
    this.kernels.sumOfSquares(pointer(values), values.length);

  denseForward: Engine['denseForward'] = (out, x, W, b, batch, inputs, outputs) => {
    if (isSparse(x)) {
      const { rowStart, index, value, scale } = x;
      this.kernels.sparseDenseForward(
        pointer(out),
        pointer(rowStart),
        pointer(index),
        pointer(value),
        scale,
        pointer(W),
        pointer(b),
        batch,
        outputs,
      );
    } else {
      if (outputs < NARROW) {
        this.kernels.denseForwardNarrow(
          pointer(out),
          pointer(x),
          pointer(W),
          pointer(b),
          pointer(this.transposedFor(inputs * outputs)),
          batch,
          inputs,
          outputs,
        );
        return;
      }
      this.kernels.denseForward(
        pointer(out),
        pointer(x),
        pointer(W),
        pointer(b),
        batch,
        inputs,
        outputs,
      );
    }
  };

  denseBackward: Engine['denseBackward'] = (dx, dW, db, dout, x, W, batch, inputs, outputs) => {
    if (isSparse(x)) {
      if (dx) throw new Error('no input gradient for sparse input (it is the data)');
      const { rowStart, index, value, scale } = x;
      const columns = this.columnsFor(inputs, rowStart[batch] - rowStart[0]);
      this.kernels.sparseDenseBackward(
        pointer(dW),
        pointer(db),
        pointer(dout),
        pointer(rowStart),
        pointer(index),
        pointer(value),
        scale,
        batch,
        inputs,
        outputs,
        pointer(columns.start),
        pointer(columns.sample),
        pointer(columns.value),
      );
    } else {
      if (outputs < NARROW) {
        this.kernels.denseBackwardNarrow(
          dx ? pointer(dx) : 0,
          pointer(dW),
          pointer(db),
          pointer(dout),
          pointer(x),
          pointer(W),
          pointer(this.transposedFor(inputs * outputs)),
          batch,
          inputs,
          outputs,
        );
        return;
      }
      this.kernels.denseBackward(
        dx ? pointer(dx) : 0,
        pointer(dW),
        pointer(db),
        pointer(dout),
        pointer(x),
        pointer(W),
        batch,
        inputs,
        outputs,
      );
    }
  };

  batchnormForwardTraining: Engine['batchnormForwardTraining'] = (
    out,
    normalized,
    inverseStd,
    x,
    gamma,
    beta,
    movingMean,
    movingVariance,
    batch,
    features,
    epsilon,
    momentum,
  ) => {
    const [mean] = this.scratchFor(features);
    this.kernels.batchnormForwardTraining(
      pointer(out),
      pointer(normalized),
      pointer(inverseStd),
      pointer(mean),
      pointer(x),
      pointer(gamma),
      pointer(beta),
      pointer(movingMean),
      pointer(movingVariance),
      batch,
      features,
      epsilon,
      momentum,
    );
  };

  batchnormForwardInference: Engine['batchnormForwardInference'] = (
    out,
    x,
    gamma,
    beta,
    movingMean,
    movingVariance,
    batch,
    features,
    epsilon,
  ) => {
    const [scale, shift] = this.scratchFor(features);
    this.kernels.batchnormForwardInference(
      pointer(out),
      pointer(x),
      pointer(gamma),
      pointer(beta),
      pointer(movingMean),
      pointer(movingVariance),
      pointer(scale),
      pointer(shift),
      batch,
      features,
      epsilon,
    );
  };

  batchnormBackward: Engine['batchnormBackward'] = (
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
    const [sumDy, sumDyXHat, coefficient] = this.scratchFor(features);
    this.kernels.batchnormBackward(
      pointer(dx),
      pointer(dgamma),
      pointer(dbeta),
      pointer(sumDy),
      pointer(sumDyXHat),
      pointer(coefficient),
      pointer(dout),
      pointer(normalized),
      pointer(inverseStd),
      pointer(gamma),
      batch,
      features,
    );
  };

  activationForward: Engine['activationForward'] = (name, out, x, length) => {
    if (name === 'relu') this.kernels.reluForward(pointer(out), pointer(x), length);
    else ACTIVATION_KERNELS[name].forward(out, x, length);
  };

  activationBackward: Engine['activationBackward'] = (name, dx, dout, out, length) => {
    if (name === 'relu') {
      this.kernels.reluBackward(pointer(dx), pointer(dout), pointer(out), length);
    } else {
      dx.fill(0, 0, length);
      ACTIVATION_KERNELS[name].backward(dx, dout, out, length);
    }
  };

  sgdStep: Engine['sgdStep'] = (value, gradient, learningRate, decay) => {
    this.kernels.sgdStep(pointer(value), pointer(gradient), value.length, learningRate, decay);
  };

  momentumStep: Engine['momentumStep'] = (value, gradient, velocity, learningRate, decay, mu) => {
    this.kernels.momentumStep(
      pointer(value),
      pointer(gradient),
      pointer(velocity),
      value.length,
      learningRate,
      decay,
      mu,
    );
  };

  adamStep: Engine['adamStep'] = (value, gradient, m, v, lr, decay, beta1, beta2, eps, c1, c2) => {
    this.kernels.adamStep(
      pointer(value),
      pointer(gradient),
      pointer(m),
      pointer(v),
      value.length,
      lr,
      decay,
      beta1,
      beta2,
      eps,
      c1,
      c2,
    );
  };
}

export type EngineName = 'wasm' | 'reference';
export const ENGINES: readonly EngineName[] = ['wasm', 'reference'];

export function createEngine(name: EngineName): Engine {
  return name === 'wasm' ? new WasmEngine() : referenceEngine;
}

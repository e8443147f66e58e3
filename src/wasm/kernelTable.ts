// Which wasm kernels compute each reference function (src/model), when each is chosen, and how
// they are run: the one table of the engine's choices, and its dispatch. The dense layer has
// several choices, each carrying the function that runs its kernels; the engine runs the first
// choice whose condition holds (`choose`) and decides nothing itself. The other functions have
// one kernel each, which the engine calls. Kernels: src/wasm/assembly.

import { isDense, type LayerInput } from '../model/engine.js';
import { BLOCK, INPUTS_BLOCK, SAMPLES_BLOCK, SUM_BLOCK } from './blocks.js';
import type { Kernels } from './kernels.js';
import { pointer as p } from './memory.js';
import type { Scratch } from './scratch.js';
import { rowsOf, type SparseRows } from './sparseRows.js';

/** What decides among a dense layer's kernels. */
export interface DenseCase {
  /** The input is the images' sparse rows (the first layer), not dense floats. */
  sparse: boolean;
  outputs: number;
  batch: number;
  training: boolean;
  /** The batch's columns are kept (SparseRows.columns: its rows never change). */
  columns: boolean;
}

/** Dense layers with fewer outputs than this (the classes) use the narrow dense kernels. */
export const NARROW = 13;
/** Sparse-input layers with at most this many outputs sum dW row by row, dout in registers. */
export const SPARSE_NARROW = 16;

export interface Choice<Case = DenseCase> {
  /** The kernels, in the order they run (threads: see wasm/threads.ts). */
  kernels: string[];
  /** The condition, in words, as docs/engine.md and the engine check print it. */
  when: string;
  picks(c: Case): boolean;
}

/** What a choice's kernels run with: the engine's kernels and threads, and its scratch. */
export interface WasmContext {
  readonly kernels: Kernels;
  readonly scratch: Scratch;
}

/** A choice that runs its kernels on a call it picks. */
export interface Dispatch<Call> extends Choice {
  run(wasm: WasmContext, call: Call): void;
}

export interface TableRow<C extends Choice = Choice> {
  /** The reference function the kernels must equal. */
  reference: string;
  choices: C[];
}

/** The choice of `row` for a case: the first whose condition holds. */
export function choose<C extends Choice>(row: TableRow<C>, c: DenseCase): C {
  return row.choices.find((choice) => choice.picks(c))!;
}

const always = () => true;

function dense(x: LayerInput): Float32Array {
  if (!isDense(x)) throw new Error('a dense kernel was given sparse rows');
  return x;
}

/** The arguments of model/dense.ts denseForward, with what decides among its kernels. */
export interface DenseForwardCall extends DenseCase {
  out: Float32Array;
  x: LayerInput;
  W: Float32Array;
  b: Float32Array;
  inputs: number;
}

/** The first arguments of every sparse forward kernel: out, the rows, W and b. */
function sparseForwardArgs(c: DenseForwardCall, rows: SparseRows): number[] {
  return [p(c.out), p(rows.rowStart), p(rows.index), p(rows.value), rows.scale, p(c.W), p(c.b)];
}

export const DENSE_FORWARD: TableRow<Dispatch<DenseForwardCall>> = {
  reference: 'model/dense.ts denseForward',
  choices: [
    {
      kernels: ['sparseDenseForwardAndColumns'],
      when: `sparse input, more than ${SPARSE_NARROW} outputs, training (builds the columns)`,
      picks: (c) => c.sparse && c.outputs > SPARSE_NARROW && c.training,
      // one more block after the outputs' builds the columns that the backward pass will need
      run: ({ kernels, scratch }, c) => {
        const rows = rowsOf(c.x);
        const columns = scratch.columnsFor(c.inputs, rows.rowStart[c.batch] - rows.rowStart[0]);
        const args = [
          ...sparseForwardArgs(c, rows),
          c.batch,
          c.inputs,
          c.outputs,
          p(columns.start),
          p(columns.sample),
          p(columns.value),
        ];
        const length = Math.ceil(c.outputs / BLOCK) * BLOCK + 1;
        kernels.parallel('sparseDenseForwardAndColumns', args, length, BLOCK);
        scratch.columnsOf = c.x;
      },
    },
    {
      kernels: ['sparseDenseForwardSamples'],
      when: `sparse input, at most ${BLOCK} outputs (threads share the samples)`,
      picks: (c) => c.sparse && c.outputs <= BLOCK,
      run: ({ kernels }, c) => {
        const args = [...sparseForwardArgs(c, rowsOf(c.x)), c.outputs];
        kernels.parallel('sparseDenseForwardSamples', args, c.batch, SAMPLES_BLOCK);
      },
    },
    {
      kernels: ['sparseDenseForward'],
      when: 'sparse input',
      picks: (c) => c.sparse,
      run: ({ kernels }, c) => {
        const args = [...sparseForwardArgs(c, rowsOf(c.x)), c.batch, c.outputs];
        kernels.parallel('sparseDenseForward', args, c.outputs, BLOCK);
      },
    },
    {
      kernels: ['denseForwardNarrow'],
      when: `fewer than ${NARROW} outputs`,
      picks: (c) => c.outputs < NARROW,
      run: ({ kernels, scratch }, { out, x, W, b, batch, inputs, outputs }) => {
        const padded = p(scratch.narrow.get(inputs * 12)); // rows of 12 floats
        kernels.local.denseForwardNarrow(
          p(out),
          p(dense(x)),
          p(W),
          p(b),
          padded,
          batch,
          inputs,
          outputs,
        );
      },
    },
    {
      kernels: ['denseForward'],
      when: 'otherwise',
      picks: always,
      run: ({ kernels }, { out, x, W, b, batch, inputs, outputs }) => {
        const args = [p(out), p(dense(x)), p(W), p(b), batch, inputs, outputs];
        kernels.parallel('denseForward', args, outputs, BLOCK);
      },
    },
  ],
};

/** The arguments of model/dense.ts denseBackward, with what decides among its kernels. */
export interface DenseBackwardCall extends DenseCase {
  dx: Float32Array | null;
  dW: Float32Array;
  db: Float32Array;
  dout: Float32Array;
  x: LayerInput;
  W: Float32Array;
  inputs: number;
}

/** The sparse rows of a backward call, after db = Σ_n dout[n] (sumRows). */
function sparseBackwardRows({ kernels }: WasmContext, c: DenseBackwardCall): SparseRows {
  if (c.dx) throw new Error('no input gradient for sparse input (it is the data)');
  kernels.local.sumRows(p(c.db), p(c.dout), c.batch, c.outputs);
  return rowsOf(c.x);
}

/**
 * A narrow sparse layer's dW summed by blocks of SUM_BLOCK samples: `sumBlock` sums each block
 * into its own padded rows (`partials`, rows of 16 floats), then the blocks are added in order.
 */
function sumInBlocks(
  { kernels, scratch }: WasmContext,
  c: DenseBackwardCall,
  sumBlocks: (partials: number, blocks: number) => void,
): void {
  const blocks = Math.ceil(c.batch / SUM_BLOCK);
  const partials = p(scratch.narrow.get(blocks * c.inputs * 16));
  sumBlocks(partials, blocks);
  kernels.local.sumNarrowBlocks(p(c.dW), partials, blocks, c.inputs, c.outputs);
}

export const DENSE_BACKWARD: TableRow<Dispatch<DenseBackwardCall>> = {
  reference: 'model/dense.ts denseBackward',
  choices: [
    {
      kernels: ['sumRows', 'sparseDenseBackwardNarrow'],
      when: `sparse input, at most ${SPARSE_NARROW} outputs, batch of at most ${SUM_BLOCK}`,
      picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW && c.batch <= SUM_BLOCK,
      run: (wasm, c) => {
        const { rowStart, index, value, scale } = sparseBackwardRows(wasm, c);
        const padded = p(wasm.scratch.narrow.get(c.inputs * 16)); // rows of 16 floats: a cache line each
        wasm.kernels.local.sparseDenseBackwardNarrow(
          p(c.dW),
          p(c.dout),
          p(rowStart),
          p(index),
          p(value),
          scale,
          c.batch,
          c.inputs,
          c.outputs,
          padded,
        );
      },
    },
    {
      kernels: ['sumRows', 'sparseDenseBackwardNarrowColumns', 'sumNarrowBlocks'],
      when: `sparse input, at most ${SPARSE_NARROW} outputs, larger batch whose columns are kept (by blocks of ${SUM_BLOCK})`,
      picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW && c.columns,
      run: (wasm, c) => {
        const { start, sample, value } = sparseBackwardRows(wasm, c).columns!();
        const { scale } = rowsOf(c.x);
        sumInBlocks(wasm, c, (partials, blocks) => {
          const args = [partials, p(c.dout), p(start), p(sample), p(value)];
          const sizes = [scale, c.inputs, c.outputs, SUM_BLOCK];
          wasm.kernels.parallel('sparseDenseBackwardNarrowColumns', [...args, ...sizes], blocks, 1);
        });
      },
    },
    {
      kernels: ['sumRows', 'sparseDenseBackwardNarrowBlocks', 'sumNarrowBlocks'],
      when: `sparse input, at most ${SPARSE_NARROW} outputs, larger batch (blocks of ${SUM_BLOCK})`,
      picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW,
      run: (wasm, c) => {
        const { rowStart, index, value, scale } = sparseBackwardRows(wasm, c);
        sumInBlocks(wasm, c, (partials, blocks) => {
          const args = [partials, p(c.dout), p(rowStart), p(index), p(value)];
          const sizes = [scale, c.batch, c.inputs, c.outputs, SUM_BLOCK];
          wasm.kernels.parallel('sparseDenseBackwardNarrowBlocks', [...args, ...sizes], blocks, 1);
        });
      },
    },
    {
      kernels: ['sumRows', 'sparseColumns', 'sparseDenseBackward'],
      when: 'sparse input (columns built here unless the training forward built them)',
      picks: (c) => c.sparse,
      run: (wasm, c) => {
        const { kernels, scratch } = wasm;
        const { rowStart, index, value, scale } = sparseBackwardRows(wasm, c);
        const columns = scratch.columnsFor(c.inputs, rowStart[c.batch] - rowStart[0]);
        const [start, sample, values] = [p(columns.start), p(columns.sample), p(columns.value)];
        if (scratch.columnsOf !== c.x) {
          const rows = [p(rowStart), p(index), p(value), scale, c.batch, c.inputs];
          kernels.local.sparseColumns(...rows, start, sample, values);
        }
        const args = [p(c.dW), p(c.dout), start, sample, values, c.outputs];
        kernels.parallel('sparseDenseBackward', args, c.inputs, INPUTS_BLOCK);
      },
    },
    {
      kernels: ['denseBackwardNarrow'],
      when: `fewer than ${NARROW} outputs`,
      picks: (c) => c.outputs < NARROW,
      run: ({ kernels, scratch }, { dx, dW, db, dout, x, W, batch, inputs, outputs }) => {
        const transposed = p(scratch.narrow.get(2 * inputs * outputs));
        const arrays = [dx ? p(dx) : 0, p(dW), p(db), p(dout), p(dense(x)), p(W), transposed];
        kernels.local.denseBackwardNarrow(...arrays, batch, inputs, outputs);
      },
    },
    {
      kernels: ['sumRows', 'denseBackwardWeights', 'denseBackwardInput'],
      when: 'otherwise',
      picks: always,
      run: ({ kernels }, { dx, dW, db, dout, x, W, batch, inputs, outputs }) => {
        kernels.local.sumRows(p(db), p(dout), batch, outputs);
        const args = [p(dW), p(dout), p(dense(x)), batch, inputs, outputs];
        kernels.parallel('denseBackwardWeights', args, outputs, BLOCK);
        if (dx) kernels.local.denseBackwardInput(p(dx), p(dout), p(W), batch, inputs, outputs);
      },
    },
  ],
};

export const KERNEL_TABLE: TableRow[] = [
  DENSE_FORWARD,
  DENSE_BACKWARD,
  ...(
    [
      ['model/batchnorm.ts batchnormForwardTraining', 'batchnormForwardTraining'],
      ['model/batchnorm.ts batchnormForwardInference', 'batchnormForwardInference'],
      ['model/batchnorm.ts batchnormBackward', 'batchnormBackward'],
      ['model/activations.ts reluForward', 'reluForward'],
      ['model/activations.ts reluBackward', 'reluBackward'],
      ['model/softmax.ts softmaxCrossEntropyForward + Backward', 'softmaxCrossEntropy'],
      ['model/updates.ts sgdStep', 'sgdStep'],
      ['model/updates.ts momentumStep', 'momentumStep'],
      ['model/updates.ts adamStep', 'adamStep'],
    ] as const
  ).map(([reference, kernel]) => ({
    reference,
    choices: [{ kernels: [kernel], when: 'always', picks: always }],
  })),
];

// Which wasm kernels compute each reference function (src/model), and when each is chosen: the
// one table of the engine's choices. The engine dispatches the dense layer through `choose`
// (wasm/engine.ts); the other functions have one kernel each. Kernels: src/wasm/assembly.

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
/** Outputs per block that a thread takes: the dense kernels' widest register block. */
export const BLOCK = 24;
/** Samples per block when threads share a batch by its samples. */
export const SAMPLES_BLOCK = 512;
/** A narrow sparse layer sums dW in one block up to this batch size, in blocks beyond it. */
export const SUM_BLOCK = 2048;

export interface Choice<Case> {
  /** The kernels, in the order they run (threads: see wasm/threads.ts). */
  kernels: string[];
  /** The condition, in words, as the README and the engine check print it. */
  when: string;
  picks(c: Case): boolean;
}

export interface TableRow {
  /** The reference function the kernels must equal. */
  reference: string;
  choices: Choice<DenseCase>[];
}

const always = () => true;

export const KERNEL_TABLE: TableRow[] = [
  {
    reference: 'model/dense.ts denseForward',
    choices: [
      {
        kernels: ['sparseDenseForwardAndColumns'],
        when: `sparse input, more than ${SPARSE_NARROW} outputs, training (builds the columns)`,
        picks: (c) => c.sparse && c.outputs > SPARSE_NARROW && c.training,
      },
      {
        kernels: ['sparseDenseForwardSamples'],
        when: `sparse input, at most ${BLOCK} outputs (threads share the samples)`,
        picks: (c) => c.sparse && c.outputs <= BLOCK,
      },
      { kernels: ['sparseDenseForward'], when: 'sparse input', picks: (c) => c.sparse },
      {
        kernels: ['denseForwardNarrow'],
        when: `fewer than ${NARROW} outputs`,
        picks: (c) => c.outputs < NARROW,
      },
      { kernels: ['denseForward'], when: 'otherwise', picks: always },
    ],
  },
  {
    reference: 'model/dense.ts denseBackward',
    choices: [
      {
        kernels: ['sumRows', 'sparseDenseBackwardNarrow'],
        when: `sparse input, at most ${SPARSE_NARROW} outputs, batch of at most ${SUM_BLOCK}`,
        picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW && c.batch <= SUM_BLOCK,
      },
      {
        kernels: ['sumRows', 'sparseDenseBackwardNarrowColumns', 'sumNarrowBlocks'],
        when: `sparse input, at most ${SPARSE_NARROW} outputs, larger batch whose columns are kept (by blocks of ${SUM_BLOCK})`,
        picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW && c.columns,
      },
      {
        kernels: ['sumRows', 'sparseDenseBackwardNarrowBlocks', 'sumNarrowBlocks'],
        when: `sparse input, at most ${SPARSE_NARROW} outputs, larger batch (blocks of ${SUM_BLOCK})`,
        picks: (c) => c.sparse && c.outputs <= SPARSE_NARROW,
      },
      {
        kernels: ['sumRows', 'sparseColumns', 'sparseDenseBackward'],
        when: 'sparse input (columns built here unless the training forward built them)',
        picks: (c) => c.sparse,
      },
      {
        kernels: ['denseBackwardNarrow'],
        when: `fewer than ${NARROW} outputs`,
        picks: (c) => c.outputs < NARROW,
      },
      {
        kernels: ['sumRows', 'denseBackwardWeights', 'denseBackwardInput'],
        when: 'otherwise',
        picks: always,
      },
    ],
  },
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

/** The choice of `row` for a case: the first whose condition holds. */
export function choose(reference: string, c: DenseCase): Choice<DenseCase> {
  const row = KERNEL_TABLE.find((r) => r.reference === reference)!;
  return row.choices.find((choice) => choice.picks(c))!;
}

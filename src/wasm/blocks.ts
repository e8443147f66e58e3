// How the kernels' work is cut into blocks: the blocks a thread takes (threads.ts), and the
// blocks of samples that a large batch is summed in. A block is computed whole by one thread,
// in the same order whichever it is; the blocks depend on the sizes alone, never on the number
// of threads, so results are the same with any number of them.

/** Outputs per block that a thread takes: the dense kernels' widest register block. */
export const BLOCK = 24;
/**
 * Inputs (rows of dW) per block when threads share a sparse layer's weight gradient by its
 * inputs: 49 blocks for MNIST's 784 pixels, which two threads split more evenly than 11
 * blocks of outputs.
 */
export const INPUTS_BLOCK = 16;
/** Samples per block when threads share a batch by its samples. */
export const SAMPLES_BLOCK = 512;
/**
 * A range too short for blocks of the sizes above, cut in two halves (the first a multiple
 * of `unit`), so that two threads share it: a minibatch of softmax regression, whose step
 * takes about 60 µs, against 2–4 µs for a round trip through the threads.
 */
export function halves(length: number, unit: number): number {
  return Math.ceil(length / (2 * unit)) * unit;
}
/** The samples per block of a batch shared by its samples: at most SAMPLES_BLOCK, pairs. */
export function samplesBlock(batch: number): number {
  return Math.min(SAMPLES_BLOCK, halves(batch, 2));
}
/** A narrow sparse layer sums dW in one block up to this batch size, in blocks beyond it. */
export const SUM_BLOCK = 2048;
/**
 * Elements per block of the parameter updates (each element on its own: any cut gives the same
 * bits). 49 blocks for the 784 × 256 weights, which two threads split evenly; a parameter
 * shorter than two blocks but of at least one is cut in halves (softmax regression's 7,840
 * weights: the rows of dW that each thread summed, see sparseDenseBackwardNarrow), a shorter
 * one is updated on one thread.
 */
export const UPDATE_BLOCK = 4096;
export function updateBlock(length: number): number {
  if (length >= 2 * UPDATE_BLOCK || length < UPDATE_BLOCK) return UPDATE_BLOCK;
  return halves(length, 4);
}
/**
 * Elements per partial sum of sumOfSquares (the gradient norms): its partials are summed in
 * order, so this cut decides the bits of the norms.
 */
export const SQUARES_BLOCK = 16384;
/** Samples per block when threads reorder the sparse rows. */
export const ROWS_BLOCK = 4096;

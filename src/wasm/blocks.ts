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
/** A narrow sparse layer sums dW in one block up to this batch size, in blocks beyond it. */
export const SUM_BLOCK = 2048;
/**
 * Elements per block of the parameter updates (each element on its own: any cut gives the same
 * bits); parameters shorter than two blocks are updated on one thread. 49 blocks for the
 * 784 × 256 weights, which two threads split evenly; a softmax regression's 7,850 stay on one.
 */
export const UPDATE_BLOCK = 4096;
/**
 * Elements per partial sum of sumOfSquares (the gradient norms): its partials are summed in
 * order, so this cut decides the bits of the norms.
 */
export const SQUARES_BLOCK = 16384;
/** Samples per block when threads reorder the sparse rows. */
export const ROWS_BLOCK = 4096;

// How the kernels' work is cut into blocks: the blocks a thread takes (threads.ts), and the
// blocks of samples that a large batch is summed in. A block is computed whole by one thread,
// in the same order whichever it is; the blocks depend on the sizes alone, never on the number
// of threads, so results are the same with any number of them.

/** Outputs per block that a thread takes: the dense kernels' widest register block. */
export const BLOCK = 24;
/** Samples per block when threads share a batch by its samples. */
export const SAMPLES_BLOCK = 512;
/** A narrow sparse layer sums dW in one block up to this batch size, in blocks beyond it. */
export const SUM_BLOCK = 2048;
/** Elements per block of the parameter updates; shorter parameters are updated on one thread. */
export const UPDATE_BLOCK = 16384;
/** Samples per block when threads reorder the sparse rows. */
export const ROWS_BLOCK = 4096;

// The kernels a thread pool can run, by index: the main thread and the workers share this list.
export const PARALLEL_KERNELS = [
  'sparseDenseForward',
  'sparseDenseBackward',
  'denseForward',
  'denseBackwardWeights',
  'sgdStep',
  'momentumStep',
  'adamStep',
] as const;

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

/** Control block layout (Int32 words): generation, done count, kernel, argument count. */
export const CONTROL_WORDS = 4;
export const MAX_ARGUMENTS = 16;

/** How long a waiting thread spins before it sleeps. */
export const SPIN_MILLISECONDS = 2;

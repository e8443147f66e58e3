// The thread protocol: what the main thread and the workers share: the parallel kernels by
// index, the layout of the control block, and the loop that takes blocks of a range until none
// are left.

export const PARALLEL_KERNELS = [
  'sparseDenseForward',
  'sparseDenseForwardSamples',
  'sparseDenseBackwardNarrowBlocks',
  'softmaxCrossEntropy',
  'sparseDenseForwardAndColumns',
  'sparseDenseBackward',
  'denseForward',
  'denseBackwardWeights',
  'sgdStep',
  'momentumStep',
  'adamStep',
  'batchnormForwardTraining',
  'batchnormBackward',
  'sumOfSquares',
  'copyRows',
  'countNonzeros',
  'compressRows',
  'sparseColumnBlocks',
  'sparseDenseBackwardNarrowColumns',
  'peakMultiplyAdd',
] as const;

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

export type KernelFunction = (...args: number[]) => void;

/** The control block's Int32 words; the kernel's arguments (float64) follow them. */
export const Control = {
  /** Bumped for each kernel run: what the workers wait on. */
  Generation: 0,
  /** Workers that joined this run (see CLOSED), and those of them that finished it. */
  Joined: 1,
  Done: 2,
  /** Index into PARALLEL_KERNELS, or −1: stop. */
  Kernel: 3,
  ArgumentCount: 4,
  /** The range [0, Length) in blocks of Granularity, shared among Threads threads. */
  Length: 5,
  Granularity: 6,
  Threads: 7,
  /** From here, one word per thread: the next block of that thread's share to take. */
  NextBlock: 8,
} as const;

/**
 * Set in Joined by the calling thread once every block is taken: a worker that joins after that
 * (asleep until then) leaves the run alone, and no one waits for it to wake.
 */
export const CLOSED = 1 << 30;

export const MAX_THREADS = 64;
export const CONTROL_WORDS = Control.NextBlock + MAX_THREADS;
export const MAX_ARGUMENTS = 16;

/**
 * How long a waiting thread spins before it sleeps. Waking a sleeping thread can take
 * milliseconds on a virtual machine, during which its share of the work waits or moves to the
 * others: pauses of the main thread (garbage collection) must not send the workers to sleep.
 */
export const SPIN_MILLISECONDS = 10;

/**
 * Runs `kernel(...args, start, end)` on blocks of the range until none remain. The blocks are
 * dealt out in contiguous shares, one per thread: a thread takes the blocks of its own share
 * first (the same outputs at every step, whose weights stay in its core's cache), then helps
 * with the others' shares, so that a thread that starts late or runs slow holds no one up.
 */
export function takeBlocks(
  state: Int32Array,
  kernel: KernelFunction,
  args: number[],
  thread: number,
): void {
  const length = state[Control.Length];
  const granularity = state[Control.Granularity];
  const threads = state[Control.Threads];
  const blocks = Math.ceil(length / granularity);
  const onBlock = blockCall(kernel, args);
  for (let s = 0; s < threads; s++) {
    const share = (thread + s) % threads;
    const first = Math.floor((share * blocks) / threads);
    const end = Math.floor(((share + 1) * blocks) / threads);
    for (;;) {
      const block = first + Atomics.add(state, Control.NextBlock + share, 1);
      if (block >= end) break;
      const start = block * granularity;
      onBlock(start, Math.min(length, start + granularity));
    }
  }
}

/**
 * `kernel(...args, start, end)` as a function of the block, its arguments' array made once: a
 * spread at every block made an array for the garbage collector each time (about a hundred a
 * step of the 784-256-10 network, a fifth of what its training allocated). The array holds its
 * numbers as values (it holds null first): an array of doubles, as [...args] is when an argument
 * is not an integer, would have each argument boxed again at every call.
 */
export function blockCall(
  kernel: KernelFunction,
  args: number[],
): (start: number, end: number) => void {
  const call: (number | null)[] = new Array<number | null>(args.length + 2).fill(null);
  for (let i = 0; i < args.length; i++) call[i] = args[i];
  const last = args.length;
  return (start, end) => {
    call[last] = start;
    call[last + 1] = end;
    Reflect.apply(kernel, undefined, call);
  };
}

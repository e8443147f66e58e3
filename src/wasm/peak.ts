// The machine's arithmetic peak at the kernels' SIMD width (128 bits, 4 float32 lanes),
// measured with the peakMultiplyAdd kernel on the engine's threads: what `bench` compares the
// kernels' GFLOP/s with, so that the distance to the limit is printed, not guessed.

import { WasmEngine } from './engine.js';
import type { KernelsName } from './kernelChoice.js';
import { pointer } from './memory.js';

/** Multiply-add rounds per block of peakMultiplyAdd, and its FLOP per round (8 × 4 lanes × 2). */
const ROUNDS = 400_000;
const FLOP_PER_ROUND = 64;

export interface Peak {
  /** With `threads` threads, and with one. */
  gflops: number;
  oneThreadGflops: number;
  threads: number;
  kernels: KernelsName;
  method: string;
}

/**
 * The best of `repeats` timings of 8 blocks per thread, each 12 independent 4-lane
 * multiply-adds in registers (a fused one on the relaxed kernels where the CPU has it): the
 * most that the vector units give these kernels on this machine, as loaded as it is now.
 */
export function measurePeak(threads: number, kernels: KernelsName, repeats = 7): Peak {
  const oneThreadGflops = threads > 1 ? timePeak(1, kernels, repeats) : NaN;
  const gflops = timePeak(threads, kernels, repeats);
  return {
    gflops,
    oneThreadGflops: threads > 1 ? oneThreadGflops : gflops,
    threads,
    kernels,
    method: `best of ${repeats}: 8 blocks a thread of ${ROUNDS} rounds of 8 independent f32x4 multiply-adds`,
  };
}

/** GFLOP/s of the best of `repeats` runs of peakMultiplyAdd on `threads` threads. */
function timePeak(threads: number, kernels: KernelsName, repeats: number): number {
  const engine = new WasmEngine(threads, kernels);
  try {
    const blocks = 8 * threads;
    const out = engine.allocate(4 * blocks);
    const args = [pointer(out), ROUNDS];
    engine.kernels.parallel('peakMultiplyAdd', args, blocks, 1); // warm-up: compiled, threads awake
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      engine.kernels.parallel('peakMultiplyAdd', args, blocks, 1);
      best = Math.min(best, performance.now() - started);
    }
    return (blocks * ROUNDS * FLOP_PER_ROUND) / (best * 1e6);
  } finally {
    engine.close();
  }
}

// A worker of the thread pool: the same kernels on the same shared memory. It waits for a new
// generation of the control block, runs the kernel on its own range [start, end), reports done.

import { workerData } from 'node:worker_threads';
import {
  CONTROL_WORDS,
  MAX_ARGUMENTS,
  PARALLEL_KERNELS,
  SPIN_MILLISECONDS,
} from './kernelNames.js';

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
}

const { module, memory, control, index } = workerData as WorkerData;
// Instantiating writes the module's static data (Math's tables) into the memory once more: the
// same bytes, in a region the engine keeps free of arrays (see staticEnd in the kernels).
const instance = new WebAssembly.Instance(module, {
  env: {
    memory,
    abort: () => {
      throw new Error('wasm kernel aborted');
    },
  },
});
const kernels = instance.exports as Record<string, (...args: number[]) => void>;
const state = new Int32Array(control, 0, CONTROL_WORDS);
const args = new Float64Array(control, 8 * 2, MAX_ARGUMENTS);
const ranges = new Int32Array(control, 8 * (2 + MAX_ARGUMENTS));

/**
 * Waits for the generation to move past `seen`: spinning for a while first, since the next
 * kernel usually comes within a millisecond and waking from Atomics.wait costs tens of µs.
 */
function awaitGeneration(seen: number): number {
  const until = performance.now() + SPIN_MILLISECONDS;
  for (let i = 0; ; i++) {
    const generation = Atomics.load(state, 0);
    if (generation !== seen) return generation;
    if ((i & 1023) === 1023 && performance.now() > until) break;
  }
  Atomics.wait(state, 0, seen);
  return Atomics.load(state, 0);
}

let seen = 0;
for (;;) {
  seen = awaitGeneration(seen);
  const kernel = state[2];
  if (kernel < 0) break;
  const start = ranges[2 * index];
  const end = ranges[2 * index + 1];
  if (start < end) {
    kernels[PARALLEL_KERNELS[kernel]](...Array.from(args.subarray(0, state[3])), start, end);
  }
  Atomics.add(state, 1, 1);
  Atomics.notify(state, 1);
}

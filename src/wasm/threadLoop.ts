// The loop of a thread of the pool (threads.ts), whichever way it was started: a Node.js worker
// thread (worker.ts) or a browser's Web Worker (src/static/threadWorker.ts). It instantiates the
// same kernels on the same shared memory, waits for a new generation of the control block, takes
// blocks of the kernel's range with the other threads until none are left, and reports done.

import {
  CLOSED,
  Control,
  CONTROL_WORDS,
  MAX_ARGUMENTS,
  PARALLEL_KERNELS,
  SPIN_MILLISECONDS,
  takeBlocks,
  type KernelFunction,
} from './threadProtocol.js';

/** What a thread is started with. */
export interface ThreadData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** This thread's number: 1 for the first worker (the calling thread is 0). */
  index: number;
}

/**
 * Waits for the generation to move past `seen`: spinning for a while first, since the next
 * kernel usually comes within a millisecond and waking from Atomics.wait costs tens of µs.
 */
function awaitGeneration(state: Int32Array, seen: number): number {
  const until = performance.now() + SPIN_MILLISECONDS;
  for (let i = 0; ; i++) {
    const generation = Atomics.load(state, Control.Generation);
    if (generation !== seen) return generation;
    if ((i & 1023) === 1023 && performance.now() > until) break;
  }
  Atomics.wait(state, Control.Generation, seen);
  return Atomics.load(state, Control.Generation);
}

/**
 * Runs the thread until the pool closes: `started` is called once the kernels are instantiated,
 * before the first wait.
 */
export function serveThread({ module, memory, control, index }: ThreadData, started?: () => void) {
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
  const kernels = instance.exports as Record<string, KernelFunction>;
  const state = new Int32Array(control, 0, CONTROL_WORDS);
  const args = new Float64Array(control, 4 * CONTROL_WORDS, MAX_ARGUMENTS);
  started?.();
  let seen = 0;
  for (;;) {
    seen = awaitGeneration(state, seen);
    if (Atomics.load(state, Control.Kernel) < 0) break;
    if (Atomics.add(state, Control.Joined, 1) & CLOSED) continue; // it ended without us
    const kernel = state[Control.Kernel];
    const kernelArgs = Array.from(args.subarray(0, state[Control.ArgumentCount]));
    takeBlocks(state, kernels[PARALLEL_KERNELS[kernel]], kernelArgs, index);
    Atomics.add(state, Control.Done, 1);
    Atomics.notify(state, Control.Done);
  }
}

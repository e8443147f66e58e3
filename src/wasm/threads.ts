// A pool of worker threads that run the wasm kernels on one shared memory. A parallel kernel
// covers a range [0, length) (a layer's outputs, a parameter's elements) cut into blocks, which
// the threads, the calling one included, take from shared counters until none are left (see
// takeBlocks). Each block is computed whole by one thread, in the same order whichever thread
// it is: results are bit-identical with 1 thread or many. How a thread starts is the platform's
// (nodeThreads.ts: Node.js worker threads; src/static/threads.ts: the browser's Web Workers);
// each runs the same loop (threadLoop.ts).

import type { ThreadData } from './threadLoop.js';
import {
  CLOSED,
  Control,
  CONTROL_WORDS,
  MAX_ARGUMENTS,
  MAX_THREADS,
  PARALLEL_KERNELS,
  SPIN_MILLISECONDS,
  takeBlocks,
  type KernelFunction,
  type ParallelKernel,
} from './threadProtocol.js';

/** A started thread, as the platform gives it. */
export interface StartedThread {
  terminate(): unknown;
}

/** Starts a thread that runs serveThread (threadLoop.ts) on `data`. */
export type StartThread = (data: ThreadData) => StartedThread;

export class ThreadPool {
  private readonly workers: StartedThread[] = [];
  private readonly state: Int32Array;
  private readonly args: Float64Array;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    readonly threads: number,
    startThread: StartThread,
  ) {
    if (threads > MAX_THREADS) throw new Error(`at most ${MAX_THREADS} threads`);
    const control = new SharedArrayBuffer(4 * CONTROL_WORDS + 8 * MAX_ARGUMENTS);
    this.state = new Int32Array(control, 0, CONTROL_WORDS);
    this.args = new Float64Array(control, 4 * CONTROL_WORDS, MAX_ARGUMENTS);
    for (let index = 1; index < threads; index++) {
      this.workers.push(startThread({ module, memory, control, index }));
    }
  }

  /** A run started by `start` that the calling thread has not finished yet. */
  private pending: { local: KernelFunction; args: number[] } | null = null;

  /**
   * Runs `kernel(...args, start, end)` over [0, length) in blocks of `granularity` (the
   * kernels' register blocks) on every thread, and waits for all of them.
   */
  run(
    kernel: ParallelKernel,
    local: KernelFunction,
    args: number[],
    length: number,
    granularity: number,
  ): void {
    this.start(kernel, local, args, length, granularity);
    this.finish();
  }

  /**
   * Starts a run on the workers and returns at once: the calling thread goes on with other
   * work (that must not touch what the kernel writes) until `finish`. The next `run` finishes
   * it first.
   */
  start(
    kernel: ParallelKernel,
    local: KernelFunction,
    args: number[],
    length: number,
    granularity: number,
  ): void {
    this.finish();
    const { state } = this;
    this.args.set(args);
    state[Control.Kernel] = PARALLEL_KERNELS.indexOf(kernel);
    state[Control.ArgumentCount] = args.length;
    state[Control.Length] = length;
    state[Control.Granularity] = granularity;
    state[Control.Threads] = this.threads;
    state.fill(0, Control.NextBlock, Control.NextBlock + this.threads);
    Atomics.store(state, Control.Done, 0);
    Atomics.store(state, Control.Joined, 0); // last: a late worker of the previous run sees CLOSED until here
    Atomics.add(state, Control.Generation, 1);
    Atomics.notify(state, Control.Generation);
    this.pending = { local, args };
  }

  /** Takes the blocks of the started run that are left, and waits for the workers' blocks. */
  finish(): void {
    if (!this.pending) return;
    const { state } = this;
    takeBlocks(state, this.pending.local, this.pending.args, 0);
    this.pending = null;
    // every block is taken: wait for the workers that joined, whose last blocks end about when
    // ours do (spin, then sleep if one is late); the others will find the run closed
    const joined = Atomics.or(state, Control.Joined, CLOSED);
    const until = performance.now() + SPIN_MILLISECONDS;
    for (let i = 0, done = Atomics.load(state, Control.Done); done < joined; i++) {
      if ((i & 1023) === 1023 && performance.now() > until) {
        Atomics.wait(state, Control.Done, done);
      }
      done = Atomics.load(state, Control.Done);
    }
  }

  close(): void {
    this.state[Control.Kernel] = -1;
    Atomics.add(this.state, Control.Generation, 1);
    Atomics.notify(this.state, Control.Generation);
    for (const worker of this.workers) void worker.terminate();
  }
}

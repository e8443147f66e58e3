// A pool of worker threads that run the wasm kernels on one shared memory, each on its own
// range of a layer's outputs (or of a parameter's elements). Every output is computed by one
// thread in the same order whatever the number of threads: results are bit-identical with 1
// thread or many. The calling thread takes the first range itself.

import { Worker } from 'node:worker_threads';
import {
  CONTROL_WORDS,
  MAX_ARGUMENTS,
  PARALLEL_KERNELS,
  SPIN_MILLISECONDS,
  type ParallelKernel,
} from './kernelNames.js';

/** Built from src/wasm/worker.ts; src/ and dist/ are siblings. */
const WORKER_FILE = new URL('../../dist/wasm/worker.js', import.meta.url);

export type KernelFunction = (...args: number[]) => void;

/**
 * Splits [0, length) into `parts` ranges whose boundaries are multiples of `granularity`
 * (the kernels' register blocks), as evenly as the blocks allow.
 */
export function splitRange(length: number, granularity: number, parts: number): [number, number][] {
  const blocks = Math.ceil(length / granularity);
  const ranges: [number, number][] = [];
  let block = 0;
  for (let part = 0; part < parts; part++) {
    const next = block + Math.floor(blocks / parts) + (part < blocks % parts ? 1 : 0);
    ranges.push([Math.min(length, block * granularity), Math.min(length, next * granularity)]);
    block = next;
  }
  return ranges;
}

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly state: Int32Array;
  private readonly args: Float64Array;
  private readonly ranges: Int32Array;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    readonly threads: number,
  ) {
    const control = new SharedArrayBuffer(8 * (2 + MAX_ARGUMENTS) + 8 * threads);
    this.state = new Int32Array(control, 0, CONTROL_WORDS);
    this.args = new Float64Array(control, 8 * 2, MAX_ARGUMENTS);
    this.ranges = new Int32Array(control, 8 * (2 + MAX_ARGUMENTS), 2 * threads);
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(WORKER_FILE, { workerData: { module, memory, control, index } });
      worker.unref(); // a waiting worker must not keep the process alive
      this.workers.push(worker);
    }
  }

  /** Runs `kernel(...args, start, end)` on every thread's range and waits for all of them. */
  run(kernel: ParallelKernel, local: KernelFunction, args: number[], ranges: [number, number][]) {
    const { state } = this;
    this.args.set(args);
    ranges.forEach(([start, end], t) => {
      this.ranges[2 * t] = start;
      this.ranges[2 * t + 1] = end;
    });
    state[2] = PARALLEL_KERNELS.indexOf(kernel);
    state[3] = args.length;
    Atomics.store(state, 1, 0);
    Atomics.add(state, 0, 1);
    Atomics.notify(state, 0);
    const [start, end] = ranges[0];
    if (start < end) local(...args, start, end);
    // the workers' ranges take about as long as ours: spin, then sleep if one is late
    const until = performance.now() + SPIN_MILLISECONDS;
    for (let i = 0, done = Atomics.load(state, 1); done < this.workers.length; i++) {
      if ((i & 1023) === 1023 && performance.now() > until) Atomics.wait(state, 1, done);
      done = Atomics.load(state, 1);
    }
  }

  close(): void {
    this.state[2] = -1;
    Atomics.add(this.state, 0, 1);
    Atomics.notify(this.state, 0);
    for (const worker of this.workers) void worker.terminate();
  }
}

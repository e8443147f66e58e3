// The kernels of kernels.wasm (built from src/wasm/assembly) instantiated on an engine's
// memory, and how they run: directly on the calling thread (`local`), or shared among worker
// threads block by block (`parallel`, threads.ts).

import { readFileSync } from 'node:fs';
import type { Pointer } from './memory.js';
import { blockCall, type KernelFunction, type ParallelKernel } from './threadProtocol.js';
import { ThreadPool, type StartThread } from './threads.js';

/** The exports of kernels.wasm: pointers are byte offsets into the memory, sizes are counts. */
export type KernelExports = Record<string, KernelFunction> & {
  staticEnd(): Pointer;
};

/** Compiled modules by file: normally one build (scripts/kernel-ab.mjs loads two). */
const compiled = new Map<string, WebAssembly.Module>();

/**
 * Gives the compiled module of `file` ahead of time: the browser (src/static/worker.ts) fetches
 * and compiles kernels.wasm itself, where there is no file to read.
 */
export function provideKernelsModule(file: URL, module: WebAssembly.Module): void {
  compiled.set(file.href, module);
}

function kernelsModule(file: URL): WebAssembly.Module {
  let module = compiled.get(file.href);
  if (!module) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new Error(`${file.pathname} is missing: run \`npm run build\``);
    }
    module = new WebAssembly.Module(bytes);
    compiled.set(file.href, module);
  }
  return module;
}

export class Kernels {
  /** Each kernel, run on the calling thread. */
  readonly local: KernelExports;
  private pool: ThreadPool | null;

  /**
   * `threads` > 1 runs the parallel kernels on that many threads (see threads.ts), started by
   * `startThread`.
   */
  constructor(memory: WebAssembly.Memory, threads: number, file: URL, startThread: StartThread) {
    const module = kernelsModule(file);
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    this.local = instance.exports as unknown as KernelExports;
    this.pool = threads > 1 ? new ThreadPool(module, memory, threads, startThread) : null;
  }

  /** Whether there are threads besides the calling one (which can work in the background). */
  get threaded(): boolean {
    return this.pool !== null;
  }

  /**
   * Runs a kernel whose last two arguments are a range [start, end) of `length`, block by
   * block: the blocks are shared out among the threads when there are several and at least two
   * blocks. The blocks are the same with any number of threads.
   */
  parallel(kernel: ParallelKernel, args: number[], length: number, granularity: number): void {
    const local = this.local[kernel];
    if (this.pool && length >= 2 * granularity) {
      this.pool.run(kernel, local, args, length, granularity);
      return;
    }
    if (length <= granularity) {
      local(...args, 0, length);
      return;
    }
    const onBlock = blockCall(local, args);
    for (let start = 0; start < length; start += granularity) {
      onBlock(start, Math.min(length, start + granularity));
    }
  }

  /**
   * `parallel`, but on the other threads while this one goes on, if there are any (else now);
   * its results are there after `finish`.
   */
  inBackground(kernel: ParallelKernel, args: number[], length: number, granularity: number) {
    if (this.pool) this.pool.start(kernel, this.local[kernel], args, length, granularity);
    else this.parallel(kernel, args, length, granularity);
  }

  /** Waits for what was started in the background, if anything. */
  finish(): void {
    this.pool?.finish();
  }

  /**
   * Stops the worker threads, if any: what runs after (a closed run's network classifying),
   * runs on the calling thread, not on a pool whose threads may stop in the middle of a block.
   */
  close(): void {
    this.pool?.close();
    this.pool = null;
  }
}

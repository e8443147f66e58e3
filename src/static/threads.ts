// The static studio's engine: the wasm engine on as many threads as the page allows. The pool's
// threads (src/wasm/threads.ts) are Web Workers that the training worker starts (threadWorker.ts,
// bundled as static-thread.js beside it), on the same WebAssembly memory and control block, with
// the same loop and blocks as Node.js's worker threads: the results do not depend on their
// number. Sharing memory with another worker needs a cross-origin isolated page (served with
// Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy): there, one thread per core
// (navigator.hardwareConcurrency, at most --threads' maximum); one thread otherwise.

import { WasmEngine } from '../wasm/engine.js';
import { MAX_THREADS } from '../wasm/threadProtocol.js';
import type { StartThread } from '../wasm/threads.js';
import { STATIC_FILES } from './protocol.js';

/** The browser's Worker, as far as the pool uses it (this folder compiles without the DOM's types). */
interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: (() => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}

interface WorkerGlobals {
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency?: number };
  Worker: new (url: URL) => BrowserWorker;
}
const browser = globalThis as unknown as WorkerGlobals;

/** The threads this page can train on (one where a worker cannot start workers of its own). */
export function staticThreads(): number {
  if (browser.crossOriginIsolated !== true || typeof browser.Worker !== 'function') return 1;
  return Math.max(1, Math.min(browser.navigator.hardwareConcurrency ?? 1, MAX_THREADS));
}

/** The last run's engine: its network classifies drawings until the next run starts. */
let previous: WasmEngine | null = null;

/**
 * A new engine for a run, once its threads have started. The previous run's engine is closed:
 * its threads stop, and its network goes on classifying on the training worker alone.
 */
export async function staticEngine(): Promise<{ engine: WasmEngine; threads: number }> {
  previous?.close();
  const threads = staticThreads();
  const started: Promise<void>[] = [];
  const startThread: StartThread = (data) => {
    const worker = new browser.Worker(new URL(STATIC_FILES.thread, import.meta.url));
    started.push(
      new Promise((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (event) =>
          reject(new Error(`a training thread failed: ${event.message ?? 'it could not start'}`));
      }),
    );
    worker.postMessage(data);
    return worker;
  };
  const engine = new WasmEngine(threads, 'exact', startThread);
  previous = engine;
  await Promise.all(started);
  return { engine, threads };
}

// The threads of the pool (threads.ts) under Node.js: worker threads that run worker.ts.

import { Worker } from 'node:worker_threads';
import type { StartThread } from './threads.js';

/** Built from src/wasm/worker.ts; src/ and dist/ are siblings. */
const WORKER_FILE = new URL('../../dist/wasm/worker.js', import.meta.url);

export const startNodeThread: StartThread = (workerData) => {
  const worker = new Worker(WORKER_FILE, { workerData });
  worker.unref(); // a waiting worker must not keep the process alive
  return worker;
};

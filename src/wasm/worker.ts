// A Node.js worker thread of the thread pool (threads.ts, nodeThreads.ts): the thread's loop
// (threadLoop.ts) on what the pool started it with.

import { workerData } from 'node:worker_threads';
import { serveThread, type ThreadData } from './threadLoop.js';

serveThread(workerData as ThreadData);

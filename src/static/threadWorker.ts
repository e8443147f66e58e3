// A thread of the static studio's pool (threads.ts): a Web Worker that the training worker
// starts, which runs the pool's loop (src/wasm/threadLoop.ts) on the memory and control block it
// is sent, and says so once its kernels are instantiated.

import { serveThread, type ThreadData } from '../wasm/threadLoop.js';

interface ThreadScope {
  postMessage(message: 'started'): void;
  onmessage: ((event: { data: ThreadData }) => void) | null;
}
const scope = globalThis as unknown as ThreadScope;

scope.onmessage = ({ data }) => {
  scope.onmessage = null;
  serveThread(data, () => scope.postMessage('started'));
};

#!/usr/bin/env node
// What a run through the thread pool costs (src/wasm/threads.ts): a kernel of two blocks that
// only computes in registers (peakMultiplyAdd), timed on one thread and on two, for blocks of
// several lengths. On two threads a run takes one block's time plus the hand-off: the worker
// seeing the new run, joining, and the calling thread waiting for its block. A kernel whose
// blocks are shorter than that gains nothing from a second thread.
//
//   node scripts/pool-handoff.mjs [--runs 20000]
//
// Prints each length's 10th, 50th and 90th percentile in µs per run, and the hand-off: the
// median on two threads less half the median on one.

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasmEngine } from '../dist/wasm/engine.js';
import { pointer } from '../dist/wasm/memory.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20000' } } });
const RUNS = Number(values.runs);

/** µs per run of two blocks of `rounds` each, sorted. */
async function timeRuns(/** @type {number} */ threads, /** @type {number} */ rounds) {
  const engine = new WasmEngine(threads, 'exact');
  const args = [pointer(engine.allocate(64)), rounds];
  await sleep(300); // the worker started: until then the calling thread takes every block
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    engine.kernels.parallel('peakMultiplyAdd', args, 2, 1);
    times.push((performance.now() - start) * 1000);
  }
  engine.close();
  return times.sort((a, b) => a - b);
}

const at = (/** @type {number[]} */ sorted, /** @type {number} */ q) =>
  sorted[Math.floor(q * (sorted.length - 1))];
const figures = (/** @type {number[]} */ sorted) =>
  [0.1, 0.5, 0.9].map((q) => at(sorted, q).toFixed(2)).join('/');

for (const rounds of [250, 1000, 3000, 10000]) {
  const one = await timeRuns(1, rounds);
  const two = await timeRuns(2, rounds);
  const handOff = at(two, 0.5) - at(one, 0.5) / 2;
  console.log(
    `blocks of ${(at(one, 0.5) / 2).toFixed(1)} µs: 1 thread ${figures(one)}, ` +
      `2 threads ${figures(two)} µs a run (p10/p50/p90); hand-off ${handOff.toFixed(1)} µs`,
  );
}
process.exit(0); // the engines' worker threads

#!/usr/bin/env node
// One kernel of two builds of kernels.wasm, timed alone on the same MNIST batches, alternating in
// one process, with a check that both give the same bits: a measure of a kernel change finer than
// an epoch (scripts/kernel-ab.mjs), and steadier on a loaded machine (one thread, CPU time).
//
//   node scripts/kernel-micro.mjs A.wasm B.wasm [--kernel forward] [--outputs 256] [--rounds 15]
//
// --kernel: narrowForward (sparseDenseForwardSamples, softmax regression's forward),
// narrowBackward (sparseDenseBackwardNarrow, its weight gradient), forward (sparseDenseForward
// by blocks of 24 outputs, as threads share it), backward (sparseColumns, then
// sparseDenseBackward, as the engine shares it: by blocks of 16 rows; builds before 2026-12-06
// took blocks of 24 outputs, with one argument more), copyRows (an epoch's reordering of the
// rows: all 60,000 images' rows in a seeded random order, 600 rows a batch), softmax
// (softmaxCrossEntropy on seeded logits, --outputs classes). Each round runs 100
// batches of 100 images.
// Prints the median CPU ms of a round for each build, their ratio, and whether the outputs'
// bits are the same.

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { loadDataset, resolveDataSource } from '../dist/data/dataset.js';
import { BLOCK, INPUTS_BLOCK } from '../dist/wasm/blocks.js';
import { WasmEngine } from '../dist/wasm/engine.js';
import { pointer as p } from '../dist/wasm/memory.js';
import { Random } from '../dist/random.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kernel: { type: 'string', default: 'forward' },
    outputs: { type: 'string' },
    rounds: { type: 'string', default: '15' },
  },
});
const KERNELS = ['narrowForward', 'narrowBackward', 'forward', 'backward', 'copyRows', 'softmax'];
if (positionals.length !== 2 || !KERNELS.includes(values.kernel)) {
  console.error(
    `usage: node scripts/kernel-micro.mjs A.wasm B.wasm [--kernel ${KERNELS.join('|')}] [--outputs N] [--rounds N]`,
  );
  process.exit(2);
}
const kernel = values.kernel;
const outputs = Number(
  values.outputs ?? (kernel.startsWith('narrow') || kernel === 'softmax' ? 10 : 256),
);
const BATCH = 100;
const BATCHES = 100;
const INPUTS = 784;
const data = await loadDataset(resolveDataSource('mnist'));

/**
 * A build's engine with the rows of the first BATCHES × BATCH images, seeded W, b and dout, and
 * the function that runs one round of the kernel.
 * @param {string} file
 */
function setUp(file) {
  const engine = new WasmEngine(1, pathToFileURL(resolve(file)));
  const k = engine.kernels.local;
  const count = kernel === 'copyRows' ? data.train.count : BATCH * BATCHES;
  const rows = engine.rows.compress({ ...data.train, count });
  const [index, value] = [p(rows.index), p(rows.value)];
  const scale = 1 / 255;
  const floats = (/** @type {number} */ n, seeded = false) => {
    const array = engine.allocate(n);
    if (seeded) for (let i = 0; i < n; i++) array[i] = Math.sin(i * 12.9898) * 0.5;
    return array;
  };
  const [W, b, dout] = [
    floats(INPUTS * outputs, true),
    floats(outputs, true),
    floats(BATCH * outputs, true),
  ];
  const [out, dW, padded] = [
    floats(BATCH * outputs),
    floats(INPUTS * outputs),
    floats(INPUTS * 16),
  ];
  const losses = engine.memory.doubles(BATCH);
  const predicted = engine.memory.bytes(BATCH);
  // the fused loss's seeded logits and the images' labels (only that kernel reads them)
  const softmax = kernel === 'softmax' ? count : 0;
  const logits = floats(softmax * outputs, true);
  const labels = engine.memory.bytes(softmax);
  labels.set(data.train.labels.subarray(0, softmax));
  const columns = engine.scratch.columnsFor(INPUTS, BATCH * INPUTS);
  const [start, sample, values] = [p(columns.start), p(columns.sample), p(columns.value)];
  const copy = kernel === 'copyRows' ? reordered(engine, rows, count) : null;
  /** Runs the kernel on the batch whose row starts begin at `rowStart`; gives what it wrote. */
  const once = {
    narrowForward: (/** @type {number} */ rowStart) => {
      k.sparseDenseForwardSamples(
        p(out),
        rowStart,
        index,
        value,
        scale,
        p(W),
        p(b),
        outputs,
        0,
        BATCH,
      );
      return out;
    },
    narrowBackward: (/** @type {number} */ rowStart) => {
      k.sparseDenseBackwardNarrow(
        p(dW),
        p(dout),
        rowStart,
        index,
        value,
        scale,
        BATCH,
        INPUTS,
        outputs,
        p(padded),
      );
      return dW;
    },
    forward: (/** @type {number} */ rowStart) => {
      for (let j = 0; j < outputs; j += BLOCK) {
        k.sparseDenseForward(
          p(out),
          rowStart,
          index,
          value,
          scale,
          p(W),
          p(b),
          BATCH,
          outputs,
          j,
          Math.min(outputs, j + BLOCK),
        );
      }
      return out;
    },
    backward: (/** @type {number} */ rowStart) => {
      k.sparseColumns(rowStart, index, value, scale, BATCH, INPUTS, start, sample, values);
      const args = [p(dW), p(dout), start, sample, values];
      if (k.sparseDenseBackward.length === 9) {
        for (let j = 0; j < outputs; j += BLOCK) {
          k.sparseDenseBackward(...args, INPUTS, outputs, j, Math.min(outputs, j + BLOCK));
        }
      } else {
        for (let i = 0; i < INPUTS; i += INPUTS_BLOCK) {
          k.sparseDenseBackward(...args, outputs, i, Math.min(INPUTS, i + INPUTS_BLOCK));
        }
      }
      return dW;
    },
    softmax: (/** @type {number} */ rowStart) => {
      const n = (rowStart - p(rows.rowStart)) / 4;
      const [z, y] = [p(logits) + 4 * n * outputs, p(labels) + n];
      k.softmaxCrossEntropy(p(losses), p(out), p(predicted), z, y, outputs, 0.01, 0, BATCH);
      return out;
    },
    copyRows: (/** @type {number} */ rowStart) => {
      const { to, args } = /** @type {NonNullable<typeof copy>} */ (copy);
      const n = ((rowStart - p(rows.rowStart)) / 4 / BATCH) * (count / BATCHES);
      k.copyRows(...args, n, n + count / BATCHES);
      return to.index;
    },
  }[kernel];
  if (!once) throw new Error(`no kernel ${kernel}`);
  /** One round; with `check`, also a hash of the bits of everything the kernel wrote. */
  return (check = false) => {
    let hash = 0;
    for (let batch = 0; batch < BATCHES; batch++) {
      const written = once(p(rows.rowStart) + 4 * batch * BATCH);
      if (!check) continue;
      const bits = new Uint8Array(written.buffer, written.byteOffset, written.byteLength);
      for (let i = 0; i < bits.length; i++) hash = (Math.imul(hash, 31) + bits[i]) >>> 0;
    }
    return hash;
  };
}

/**
 * Rows for copyRows to fill with `rows` in a seeded random order (their row starts made), and
 * the kernel's arguments before its range.
 * @param {WasmEngine} engine
 * @param {ReturnType<WasmEngine['rows']['compress']>} rows
 * @param {number} count
 */
function reordered(engine, rows, count) {
  const order = engine.memory.words(count);
  for (let n = 0; n < count; n++) order[n] = n;
  new Random(1).shuffle(order);
  const to = {
    rowStart: engine.memory.words(count + 1),
    index: engine.memory.halves(rows.index.length),
    value: engine.memory.bytes(rows.value.length),
  };
  engine.kernels.local.rowStartsInOrder(p(to.rowStart), p(rows.rowStart), p(order), count);
  const arrays = [to.rowStart, to.index, to.value, rows.rowStart, rows.index, rows.value, order];
  return { to, args: arrays.map(p) };
}

const builds = positionals.map(setUp);
const times = positionals.map(() => /** @type {number[]} */ ([]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const which of round % 2 ? [1, 0] : [0, 1]) {
    const cpu = process.cpuUsage();
    builds[which]();
    const { user, system } = process.cpuUsage(cpu);
    times[which].push((user + system) / 1000);
  }
}
const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
positionals.forEach((file, i) => {
  console.log(`${file}: median ${median(times[i]).toFixed(2)} ms CPU per round of ${kernel}`);
});
const same = builds[0](true) === builds[1](true);
const ratio = (median(times[1]) / median(times[0])).toFixed(3);
console.log(`B / A = ${ratio}; outputs ${same ? 'bit-identical' : 'DIFFER'}`);

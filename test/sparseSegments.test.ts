// The wasm engine's rows of a shuffled training larger than a segment: each later epoch's rows
// copied from the first epoch's a segment at a time into two segments' memory used in turn, the
// next copied ahead on another thread; every batch the reference engine's, read in order, out
// of order, after a right guess and a wrong one, in no more memory after the first epochs.

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { MNIST_INPUT } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { WasmEngine } from '../src/wasm/engine.js';
import { MNIST } from './helpers.js';

// batches of 10: segments of 8,190 samples, three for 20,000 (the last shorter)
const BATCH = 10;
const data = await loadDataset(MNIST, { trainLimit: 20_000, testLimit: 1 });
const { count } = data.train;

function shuffled(seed: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  new Random(seed).shuffle(order);
  return order;
}

describe('sparse rows copied a segment at a time', () => {
  for (const threads of [1, 2]) {
    it(`gives the reference's batches in every epoch, ${threads} thread(s)`, () => {
      const engine = new WasmEngine(threads);
      const rows = engine.batches(MNIST_INPUT, data.train, BATCH);
      const plain = new ReferenceEngine().batches(MNIST_INPUT, data.train, BATCH);
      const epochs = [shuffled(1), shuffled(2), null, shuffled(3), shuffled(4)];
      rows.prefetch!(epochs[0]!);
      let allocated = 0;
      epochs.forEach((order, e) => {
        rows.startEpoch(order);
        plain.startEpoch(order);
        // the next epoch's order (its first segment copied ahead), or a wrong guess (ignored)
        const next = epochs[e + 1];
        rows.prefetch!(e % 2 === 0 && next ? next : shuffled(9));
        if (e === 3) allocated = engine.allocatedBytes; // after file order's rows too
        // every batch in order (across the segments' ends; the pixels of every third and of
        // those at the ends), then a few out of order
        const starts = Array.from({ length: count / BATCH }, (_, b) => b * BATCH);
        const ends = [8180, 8190, 16_370, 16_380, 19_990];
        for (const start of [...starts, 8180, 8190, 0, 19_990, 16_380, 100]) {
          const [a, b] = [rows.batch(start, BATCH), plain.batch(start, BATCH)];
          const where = `epoch ${e}, batch at ${start}`;
          expect(Array.from(a.labels), where).toEqual(Array.from(b.labels));
          if (start % (3 * BATCH) === 0 || ends.includes(start)) {
            expect(Array.from(a.dense()), where).toEqual(Array.from(b.dense()));
          }
        }
      });
      expect(engine.allocatedBytes).toBe(allocated);
      engine.close();
    });
  }
});

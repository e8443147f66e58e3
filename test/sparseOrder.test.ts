// The wasm engine's rows of a shuffled training: compressed from the images in the first
// epoch's order (no rows in file order made), each later epoch's copied from the epoch before;
// the batches the same as the reference engine's in every case, in two sets of rows.

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { MNIST_INPUT } from '../src/model/network.js';
import { ReferenceEngine } from '../src/model/referenceEngine.js';
import { Random } from '../src/random.js';
import { WasmEngine } from '../src/wasm/engine.js';
import { MNIST } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 3000, testLimit: 100 });
const { count } = data.train;

function shuffled(seed: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  new Random(seed).shuffle(order);
  return order;
}

/** The bytes of one set of the split's rows: row starts, pixel indices and values. */
function rowBytes(): number {
  const nonzero = data.train.images.reduce((sum, pixel) => sum + (pixel === 0 ? 0 : 1), 0);
  return 4 * (count + 1) + 3 * nonzero;
}

describe('sparse rows of a shuffled training', () => {
  for (const threads of [1, 2]) {
    it(`gives the reference's batches from a first epoch in its order, ${threads} thread(s)`, () => {
      const engine = new WasmEngine(threads);
      const rows = engine.batches(MNIST_INPUT, data.train, 100);
      const plain = new ReferenceEngine().batches(MNIST_INPUT, data.train, 100);
      const before = engine.allocatedBytes;
      // made ahead of the first epoch (as the trainer does), then each next one during the
      // epoch before; a wrong guess (seed 9) is ignored; file order only at the end
      const epochs = [shuffled(1), shuffled(2), shuffled(3), shuffled(4), null];
      const guesses = [shuffled(1), shuffled(2), shuffled(9), shuffled(4), null, null];
      rows.prefetch!(guesses[0]!);
      epochs.forEach((order, e) => {
        rows.startEpoch(order);
        plain.startEpoch(order);
        if (e === 1) {
          // two sets of rows in all, the file's not among them; besides them, the images of a
          // chunk on their way (all 3000 here) and a few arrays of one word a sample
          const used = engine.allocatedBytes - before;
          const besides = count * 28 * 28 + 8 * 4 * (count + 1);
          expect(used).toBeGreaterThan(2 * rowBytes());
          expect(used).toBeLessThan(2 * rowBytes() + besides);
        }
        const guess = guesses[e + 1];
        if (guess) rows.prefetch!(guess);
        for (const start of [0, 1500, 2900]) {
          const [a, b] = [rows.batch(start, 100), plain.batch(start, 100)];
          expect(Array.from(a.labels), `epoch ${e}`).toEqual(Array.from(b.labels));
          expect(Array.from(a.dense()), `epoch ${e}`).toEqual(Array.from(b.dense()));
        }
      });
      engine.close();
    });
  }

  it('compresses in the order asked when no epoch made ahead, and copies from the rows after', () => {
    const engine = new WasmEngine(2);
    const rows = engine.batches(MNIST_INPUT, data.train, 100);
    const plain = new ReferenceEngine().batches(MNIST_INPUT, data.train, 100);
    // a guess before the first epoch that the epoch does not take: its rows are copied from
    for (const [guess, order] of [
      [shuffled(5), shuffled(6)],
      [null, shuffled(7)],
    ] as const) {
      if (guess) rows.prefetch!(guess);
      rows.startEpoch(order);
      plain.startEpoch(order);
      for (const start of [0, 2900]) {
        expect(Array.from(rows.batch(start, 100).dense())).toEqual(
          Array.from(plain.batch(start, 100).dense()),
        );
      }
    }
    engine.close();
  });
});

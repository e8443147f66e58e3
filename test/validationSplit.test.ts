// The validation split (--val-split): a seeded share of the training set held out, apart from
// what trains. test/keep.test.ts has the epoch it chooses; test/e2e/choosing.test.ts, real runs.

import { describe, expect, it } from 'vitest';
import { holdOut, loadDataset } from '../src/data/dataset.js';
import { MNIST } from './helpers.js';

describe('a validation split', () => {
  it('holds out a seeded share of the training set, apart from what trains', async () => {
    const data = await loadDataset(MNIST, { trainLimit: 1000, testLimit: 1 });
    const { train: kept, validation } = holdOut(data.train, 0.1, 7);
    expect([kept.count, validation.count]).toEqual([900, 100]);
    const again = holdOut(data.train, 0.1, 7);
    expect(again.validation.images).toEqual(validation.images);
    expect(holdOut(data.train, 0.1, 8).validation.images).not.toEqual(validation.images);
    // every image exactly once: the pixels of both add up to the whole
    const sum = (images: Uint8Array) => images.reduce((a, b) => a + b, 0);
    expect(sum(kept.images) + sum(validation.images)).toBe(sum(data.train.images));
  });
});

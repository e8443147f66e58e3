// Images left in their file: an IDX file's payload read by ranges (openIdxFile), a split's images
// copied a chunk at a time (copyImages) as the wasm engine compresses them, the fingerprint
// hashed that way, and a file that changes after it was opened refused.

import { createHash } from 'node:crypto';
import { renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findIdxFile, fingerprint, loadDataset, resolveDataSource } from '../src/data/dataset.js';
import { encodeIdx, openIdxFile, readIdxFile } from '../src/data/idx.js';
import { copyImages } from '../src/data/splitImages.js';
import { Random } from '../src/random.js';
import { MNIST, temporaryFolder, writeDataFolder } from './helpers.js';

/** Images of `split` first … first + count, as copyImages gives them. */
function copied(split: Parameters<typeof copyImages>[0], first: number, count: number): Uint8Array {
  const into = new Uint8Array(count * split.height * split.width);
  copyImages(split, first, into);
  return into;
}

describe('an IDX file read by ranges', () => {
  it("gives MNIST's test images, raw and gzipped, as the whole file read at once", async () => {
    const file = findIdxFile(MNIST.folder, 't10k-images', 3);
    const whole = (await readIdxFile(file)).data as Uint8Array;
    const gzipped = join(temporaryFolder(), 't10k-images-idx3-ubyte.gz');
    writeFileSync(gzipped, gzipSync(encodeIdx({ type: 'u8', dims: [10000, 28, 28], data: whole })));
    for (const name of [file, gzipped]) {
      const opened = await openIdxFile(name);
      expect(opened.dims).toEqual([10000, 28, 28]);
      for (const [from, length] of [
        [0, 784],
        [784 * 9999, 784],
        [12345, 4_000_001],
      ]) {
        const into = new Uint8Array(length);
        opened.copy(from, into);
        expect(Buffer.compare(into, whole.subarray(from, from + length))).toBe(0);
      }
      expect(Buffer.compare(opened.data as Uint8Array, whole)).toBe(0);
    }
  });

  it('refuses a file rewritten or replaced after it was opened, naming it', async () => {
    const folder = temporaryFolder();
    const file = join(folder, 'images.idx');
    const bytes = encodeIdx({ type: 'u8', dims: [4, 2, 2], data: new Uint8Array(16).fill(7) });
    writeFileSync(file, bytes);
    const rewritten = await openIdxFile(file);
    const before = new Uint8Array(4);
    rewritten.copy(4, before);
    expect(Array.from(before)).toEqual([7, 7, 7, 7]);
    // rewritten in place, a second later (a file system's clock may not tick between two writes)
    writeFileSync(
      file,
      bytes.map((byte, i) => (i < 16 ? byte : 9)),
    );
    utimesSync(file, new Date(), new Date(Date.now() + 1000));
    expect(() => rewritten.copy(0, new Uint8Array(4))).toThrow(
      `${file}: changed since it was opened`,
    );
    expect(() => rewritten.data).toThrow(`${file}: changed since it was opened`);

    const replaced = await openIdxFile(file);
    writeFileSync(join(folder, 'other.idx'), bytes);
    renameSync(join(folder, 'other.idx'), file);
    expect(() => replaced.copy(4, new Uint8Array(4))).toThrow(
      `${file}: changed since it was opened`,
    );
  });
});

describe("a split's images copied a chunk at a time", () => {
  it('gives the images of a loaded split and of a copy of it, within its limit', async () => {
    const random = new Random(3);
    const pixels = Uint8Array.from({ length: 50 * 3 * 5 }, () =>
      Math.floor(random.uniform(0, 256)),
    );
    const labels = Uint8Array.from({ length: 50 }, (_, n) => n % 10);
    const folder = writeDataFolder(temporaryFolder(), 3, 5, { pixels, labels });
    const { train } = await loadDataset(resolveDataSource(folder), { trainLimit: 40 });
    expect(Array.from(copied(train, 0, 40))).toEqual(Array.from(pixels.subarray(0, 40 * 15)));
    expect(Array.from(copied(train, 37, 3))).toEqual(Array.from(pixels.subarray(37 * 15, 600)));
    expect(Array.from(train.images)).toEqual(Array.from(pixels.subarray(0, 600)));
    // a split of its own (as a hold-out makes) is copied from its own images
    const reversed = { ...train, images: train.images.slice().reverse() };
    expect(Array.from(copied(reversed, 0, 1))).toEqual(Array.from(reversed.images.subarray(0, 15)));
  });

  it("hashes MNIST's training set to the SHA-256 of its images and labels, read whole", async () => {
    const { train } = await loadDataset(MNIST, { testLimit: 1 });
    const files = ['train-images', 'train-labels'].map((stem, i) =>
      findIdxFile(MNIST.folder, stem, i === 0 ? 3 : 1),
    );
    const [images, labels] = await Promise.all(files.map(readIdxFile));
    const whole = createHash('sha256').update(images.data).update(labels.data).digest('hex');
    expect(fingerprint(train)).toBe(whole.slice(0, 16));
  });
});

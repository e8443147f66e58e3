// Pictures prepared as MNIST was made (src/data/prepare.ts), and grey PNGs read back: on real
// test digits, in this process. test/e2e/predict.test.ts runs `predict` on them.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { encodeGreyPng, readPngGrey } from '../src/data/png.js';
import { prepareDigit } from '../src/data/prepare.js';
import { asDrawing, MNIST, temporaryFolder } from './helpers.js';

const data = await loadDataset(MNIST, { trainLimit: 1, testLimit: 10 });
const folder = temporaryFolder();

function testImage(n: number): Uint8Array {
  return data.test.images.subarray(n * 784, (n + 1) * 784);
}

describe('preparing pictures as MNIST was made', () => {
  it('passes an MNIST-style 28×28 image through unchanged', () => {
    const prepared = prepareDigit({ width: 28, height: 28, pixels: testImage(0) }, 28, 28);
    expect(prepared.unchanged).toBe(true);
    expect(Array.from(prepared.pixels)).toEqual(Array.from(testImage(0)));
  });

  it('inverts, crops, scales to 20 px and centres a drawing by its centre of mass', () => {
    const { grey, width, height } = asDrawing(testImage(0));
    const prepared = prepareDigit({ width, height, pixels: grey }, 28, 28);
    expect(prepared.inverted).toBe(true);
    let mass = 0;
    let cy = 0;
    let cx = 0;
    let top = 28;
    let bottom = -1;
    prepared.pixels.forEach((p, i) => {
      mass += p;
      cy += p * Math.floor(i / 28);
      cx += p * (i % 28);
      if (p > 8) {
        top = Math.min(top, Math.floor(i / 28));
        bottom = Math.max(bottom, Math.floor(i / 28));
      }
    });
    expect(Math.abs(cy / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(bottom - top + 1).toBeGreaterThanOrEqual(18); // the 7's height, scaled to about 20
    expect(bottom - top + 1).toBeLessThanOrEqual(21);
  });

  it('round-trips grey pixels through PNG', () => {
    const file = join(folder, 'grey.png');
    writeFileSync(file, encodeGreyPng(testImage(3), 28, 28));
    const image = readPngGrey(file);
    expect([image.width, image.height]).toEqual([28, 28]);
    expect(Array.from(image.pixels)).toEqual(Array.from(testImage(3)));
  });
});

// PNG encoding (src/data/png.ts): one filter for every row (Paeth), not pngjs's try-all-five, which
// cost a run's report about 40 ms; the pixels decode as they were.

import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/dataset.js';
import { encodeGreyPng, encodePng, PAETH } from '../src/data/png.js';
import { MNIST } from './helpers.js';

/** Each row's filter byte, from the PNG's IDAT chunks. */
function rowFilters(png: Buffer, width: number, height: number, bytesPerPixel: number): number[] {
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') {
      chunks.push(png.subarray(at + 8, at + 8 + length));
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = 1 + width * bytesPerPixel;
  return Array.from({ length: height }, (_, y) => raw[y * stride]);
}

describe('PNG encoding', () => {
  it('filters every row with Paeth, and decodes to the same pixels', async () => {
    const { test } = await loadDataset(MNIST, { testOnly: true, testLimit: 64 });
    // 64 digits side by side, in colour: rows that the other filters would win on
    const [width, height] = [28 * 64, 28];
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = test.images[Math.floor(x / 28) * 784 + y * 28 + (x % 28)];
        rgba.set([v, 255 - v, (v * 7) & 255, 255], 4 * (y * width + x));
      }
    }
    const png = encodePng(rgba, width, height);
    expect(new Set(rowFilters(png, width, height, 4))).toEqual(new Set([PAETH]));
    expect(new Uint8Array(PNG.sync.read(png).data)).toEqual(rgba);
    const grey = test.images.subarray(0, 784);
    const greyPng = encodeGreyPng(grey, 28, 28);
    expect(new Set(rowFilters(greyPng, 28, 28, 4))).toEqual(new Set([PAETH]));
    const decoded = PNG.sync.read(greyPng).data;
    expect(Array.from(grey, (_, i) => decoded[4 * i])).toEqual(Array.from(grey));
  });
});

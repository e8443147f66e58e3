// The IDX reader against damaged files: 600 seeded mutations of real MNIST files, each read as
// data or refused with a clean DataError naming the file, within time and memory bounds.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findIdxFile, toSplit } from '../src/data/dataset.js';
import { encodeIdx, readIdxFile } from '../src/data/idx.js';
import { DataError } from '../src/errors.js';
import { Random } from '../src/random.js';
import { MNIST, temporaryFolder } from './helpers.js';

describe('fuzzing the IDX reader with mutated real files', async () => {
  const realImages = await readIdxFile(findIdxFile(MNIST.folder, 't10k-images', 3));
  const realLabels = await readIdxFile(findIdxFile(MNIST.folder, 't10k-labels', 1));
  // small real files: the first 20 images and 20 labels
  const images = encodeIdx({
    type: 'u8',
    dims: [20, 28, 28],
    data: realImages.data.subarray(0, 20 * 784),
  });
  const labels = encodeIdx({ type: 'u8', dims: [20], data: realLabels.data.subarray(0, 20) });
  const folder = temporaryFolder();
  const CASES = 600;

  /** One seeded mutation of `bytes`: the kinds of damage files really suffer, and absurd headers. */
  function mutate(bytes: Uint8Array, random: Random): { bytes: Uint8Array; gzip: boolean } {
    const copy = bytes.slice();
    const view = new DataView(copy.buffer);
    const pick = (n: number) => Math.floor(random.next() * n);
    const gzip = random.next() < 0.3;
    switch (pick(7)) {
      case 0: // random bytes anywhere in the header
        for (let k = 0, n = 1 + pick(4); k < n; k++)
          copy[pick(Math.min(copy.length, 16))] = pick(256);
        break;
      case 1: // truncated
        return { bytes: copy.subarray(0, pick(copy.length)), gzip };
      case 2: // extra bytes
        return {
          bytes: Uint8Array.from([
            ...copy,
            ...Array.from({ length: 1 + pick(40) }, () => pick(256)),
          ]),
          gzip,
        };
      case 3: // absurd dimensions
        view.setUint32(
          4 + 4 * pick(copy[3] || 1),
          random.next() < 0.5 ? 0xffffffff : pick(2 ** 31),
        );
        break;
      case 4: // another element type, or none that exists
        copy[2] = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0x0a, 0xff][pick(9)];
        break;
      case 5: // another dimension count
        copy[3] = pick(256);
        break;
      case 6: // random bytes in the payload (a valid file, usually)
        for (let k = 0; k < 10; k++) copy[16 + pick(copy.length - 16)] = pick(256);
        break;
    }
    return { bytes: copy, gzip };
  }

  it(`answers ${CASES} mutated files with data or a clean DataError, within bounds`, async () => {
    const random = new Random(2026);
    const started = performance.now();
    const before = process.memoryUsage().arrayBuffers;
    const outcomes = { read: 0, refused: 0 };
    for (let k = 0; k < CASES; k++) {
      const source = k % 2 ? images : labels;
      const { bytes, gzip } = mutate(source, random);
      let file = join(folder, `case-${k}${gzip ? '.gz' : ''}`);
      let content: Uint8Array = gzip ? gzipSync(bytes) : bytes;
      if (gzip && random.next() < 0.3) {
        // damage the gzip stream itself
        content = content.slice();
        content[Math.floor(random.next() * content.length)] ^= 0xff;
        file += '-damaged';
      }
      writeFileSync(file, content);
      try {
        const array = await readIdxFile(file);
        outcomes.read++;
        // what reads must still be validated before use as images and labels
        try {
          toSplit(array, file, array, file, 10);
        } catch (error) {
          expect(error).toBeInstanceOf(DataError);
        }
      } catch (error) {
        outcomes.refused++;
        expect(error, `case ${k}`).toBeInstanceOf(DataError);
        expect((error as Error).message.startsWith(file), `case ${k}`).toBe(true);
        expect((error as Error).message).not.toMatch(/\n/);
      }
    }
    expect(outcomes.refused).toBeGreaterThan(CASES / 3);
    expect(outcomes.read).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 2 ** 20);
  });
});

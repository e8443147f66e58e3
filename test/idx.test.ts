import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findIdxFile, loadDataset, toSplit } from '../src/data/dataset.js';
import { decodeIdx, encodeIdx, readIdxFile, type IdxArray, type IdxType } from '../src/data/idx.js';
import { DataError } from '../src/errors.js';
import { MNIST, temporaryFolder } from './helpers.js';

const SAMPLES: Record<IdxType, number[]> = {
  u8: [0, 1, 127, 255, 42, 7],
  i8: [-128, -1, 0, 1, 127, 5],
  i16: [-32768, -1, 0, 1, 32767, 300],
  i32: [-2147483648, -1, 0, 1, 2147483647, 70000],
  f32: [-1.5, 0, 3.140625, 1e-30, -65504, 0.1],
  f64: [-1.5, 0, Math.PI, 1e-300, -Number.MAX_VALUE, 0.1],
};
const CONSTRUCTORS = {
  u8: Uint8Array,
  i8: Int8Array,
  i16: Int16Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
};

const folder = temporaryFolder();
function writeTemporary(name: string, bytes: Uint8Array): string {
  const file = join(folder, name);
  writeFileSync(file, bytes);
  return file;
}

describe('IDX round trips', () => {
  for (const type of Object.keys(SAMPLES) as IdxType[]) {
    for (const gzip of [false, true]) {
      it(`${type}, ${gzip ? 'gzipped' : 'raw'}`, async () => {
        const array: IdxArray = {
          type,
          dims: [2, 3],
          data: CONSTRUCTORS[type].from(SAMPLES[type]),
        };
        const bytes = encodeIdx(array);
        const file = writeTemporary(`${type}-${gzip}.idx`, gzip ? gzipSync(bytes) : bytes);
        const read = await readIdxFile(file);
        expect(read.type).toBe(type);
        expect(read.dims).toEqual([2, 3]);
        expect(read.data).toBeInstanceOf(CONSTRUCTORS[type]);
        expect(Array.from(read.data)).toEqual(Array.from(array.data));
      });
    }
  }

  it('writes sizes and elements big-endian', () => {
    const bytes = encodeIdx({ type: 'i16', dims: [1, 2], data: Int16Array.from([1, -2]) });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0xff, 0xfe]);
  });
});

describe('IDX validation', () => {
  const valid = encodeIdx({ type: 'u8', dims: [2, 2], data: Uint8Array.from([1, 2, 3, 4]) });

  async function readError(bytes: Uint8Array, name = 'bad.idx'): Promise<string> {
    const file = writeTemporary(name, bytes);
    const error = await readIdxFile(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(file);
    return (error as Error).message;
  }

  it('refuses a bad magic', async () => {
    const bytes = valid.slice();
    bytes[1] = 1;
    expect(await readError(bytes)).toMatch(/bad magic/);
  });

  it('refuses an unknown element type', async () => {
    const bytes = valid.slice();
    bytes[2] = 0x0a;
    expect(await readError(bytes)).toMatch(/unknown IDX element type 0x0a/);
  });

  it('refuses zero dimensions', async () => {
    expect(await readError(Uint8Array.from([0, 0, 8, 0]))).toMatch(/zero dimensions/);
  });

  it('refuses a truncated header', async () => {
    expect(await readError(valid.subarray(0, 6))).toMatch(/truncated IDX header/);
  });

  it('refuses a payload shorter or longer than the header says, raw and gzipped', async () => {
    expect(await readError(valid.subarray(0, valid.length - 1))).toMatch(/shorter than the header/);
    const longer = Uint8Array.from([...valid, 9]);
    expect(await readError(longer)).toMatch(/longer than the header/);
    expect(await readError(gzipSync(valid.subarray(0, valid.length - 1)), 'short.gz')).toMatch(
      /shorter/,
    );
    expect(await readError(gzipSync(longer), 'long.gz')).toMatch(/longer/);
  });

  it('refuses a header claiming 2^31 images without allocating them', async () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setUint32(4, 2 ** 31);
    const before = process.memoryUsage().arrayBuffers;
    expect(await readError(bytes)).toMatch(/more than this reader accepts|shorter/);
    // 2^31 × 2 × 2 bytes was claimed; nothing near that was allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('refuses a gzip stream whose header claims much more than it holds', async () => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setUint32(4, 1_000_000);
    expect(await readError(gzipSync(bytes), 'claims.gz')).toMatch(/shorter than the header/);
  });

  it('refuses damaged gzip data', async () => {
    const gz = gzipSync(valid);
    gz[gz.length - 6] ^= 0xff; // the CRC no longer matches
    expect(await readError(gz, 'damaged.gz')).toMatch(/damaged gzip data/);
  });

  it('names a missing file in words, as predict and eval do', async () => {
    const missing = join(folder, 'missing');
    await expect(readIdxFile(missing)).rejects.toThrow(new RegExp(`^${missing}: no such file$`));
  });
});

describe('images and labels together', () => {
  const images = { type: 'u8' as const, dims: [2, 2, 2], data: new Uint8Array(8) };
  const labels = { type: 'u8' as const, dims: [2], data: Uint8Array.from([3, 9]) };

  it('refuses counts that differ', () => {
    const three = { ...labels, dims: [3], data: Uint8Array.from([1, 2, 3]) };
    expect(() => toSplit(images, 'img', three, 'lab', 10)).toThrow(/lab: 3 labels but img has 2/);
  });

  it('refuses a label outside 0..classes-1', () => {
    const bad = { ...labels, data: Uint8Array.from([3, 10]) };
    expect(() => toSplit(images, 'img', bad, 'lab', 10)).toThrow(
      /label 10 at index 1 is outside 0..9/,
    );
  });

  it('refuses a labels file that is really an images file', () => {
    expect(() => toSplit(images, 'img', images, 'lab', 10)).toThrow(
      /lab: expected labels.*images file/,
    );
  });

  it('keeps the first `limit` samples', () => {
    const split = toSplit(images, 'img', labels, 'lab', 10, 1);
    expect(split.count).toBe(1);
    expect(split.images.length).toBe(4);
    expect(Array.from(split.labels)).toEqual([3]);
  });
});

describe('real MNIST', () => {
  it('has the published headers and first labels', async () => {
    const images = await readIdxFile(findIdxFile(MNIST.folder, 'train-images', 3));
    expect(images.type).toBe('u8');
    expect(images.dims).toEqual([60000, 28, 28]);
    const data = await loadDataset(MNIST);
    expect(data.train.count).toBe(60000);
    expect(data.test.count).toBe(10000);
    expect([data.train.height, data.train.width]).toEqual([28, 28]);
    expect(Array.from(data.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(data.test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(data.train.images).toBeInstanceOf(Uint8Array);
    expect(data.train.images.length).toBe(60000 * 784);
  });

  it('reads the same bytes gzipped and with the .idx3-ubyte spelling', async () => {
    const raw = await readIdxFile(findIdxFile(MNIST.folder, 't10k-labels', 1));
    const copy = temporaryFolder();
    const original = decodeIdx(encodeIdx(raw), 'copy');
    writeFileSync(join(copy, 't10k-labels.idx1-ubyte.gz'), gzipSync(encodeIdx(original)));
    const file = findIdxFile(copy, 't10k-labels', 1);
    expect(file.endsWith('t10k-labels.idx1-ubyte.gz')).toBe(true);
    expect(Array.from((await readIdxFile(file)).data)).toEqual(Array.from(raw.data));
  });
});

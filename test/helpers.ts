// Shared by the tests: the real data, temporary folders, the CLI as a subprocess.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveDataSource, type Split } from '../src/data/dataset.js';
import { Random } from '../src/random.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MNIST = resolveDataSource('mnist');

export function temporaryFolder(prefix = 'mnist-softmax-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (bin/mnist-softmax.js) as users do. With `measure`, the result also holds
 * the process's peak resident memory in MB (test/maxRss.mjs, preloaded, records it at exit).
 */
export function runCli(
  args: string[],
  options: { cwd?: string; measure?: boolean } = {},
): CliResult & { maxRssMB?: number } {
  const rssFile = options.measure ? join(temporaryFolder(), 'max-rss') : null;
  const preload = rssFile ? ['--import', pathToFileURL(join(ROOT, 'test/maxRss.mjs')).href] : [];
  const result = spawnSync(
    process.execPath,
    [...preload, join(ROOT, 'bin/mnist-softmax.js'), ...args],
    {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: rssFile ? { ...process.env, MNIST_SOFTMAX_MAX_RSS_FILE: rssFile } : process.env,
    },
  );
  const maxRssMB = rssFile ? Number(readFileSync(rssFile, 'utf8')) / 1024 : undefined;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, maxRssMB };
}

export interface SplitFiles {
  /** (count, height, width) bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** Writes a data folder of raw IDX files (as `--data` reads them): a training and a test split. */
export function writeDataFolder(
  folder: string,
  height: number,
  width: number,
  train: SplitFiles,
  test: SplitFiles = train,
): string {
  const header = (...fields: number[]) => {
    const bytes = Buffer.alloc(4 * fields.length);
    fields.forEach((field, i) => bytes.writeUInt32BE(field, 4 * i));
    return bytes;
  };
  mkdirSync(folder, { recursive: true });
  for (const [stem, split] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const count = split.labels.length;
    const images = Buffer.concat([header(0x803, count, height, width), split.pixels]);
    writeFileSync(join(folder, `${stem}-images-idx3-ubyte`), images);
    const labels = Buffer.concat([header(0x801, count), split.labels]);
    writeFileSync(join(folder, `${stem}-labels-idx1-ubyte`), labels);
  }
  return folder;
}

/** A test digit as a person would draw it: dark ink on white, 5× larger, off-centre on a canvas. */
export function asDrawing(pixels: Uint8Array): { grey: Uint8Array; width: number; height: number } {
  const width = 220;
  const height = 180;
  const grey = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < 140; y++) {
    for (let x = 0; x < 140; x++) {
      grey[(y + 25) * width + (x + 60)] = 255 - pixels[Math.floor(y / 5) * 28 + Math.floor(x / 5)];
    }
  }
  return { grey, width, height };
}

/** A JSON value's paths, depth first: [] is the value itself. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((key) => paths((value as never)[key], [...at, key]))];
}

const ODD_VALUES: unknown[] = [
  null,
  -1,
  0,
  1e39,
  -1e-300,
  2 ** 53,
  'gpu',
  '',
  [],
  {},
  true,
  'A===',
  [1],
];

/**
 * One seeded mutation of a JSON text: a value replaced by an odd one, a key deleted, a base64
 * string cut or changed, or the text cut short.
 */
export function mutateJson(text: string, random: Random): string {
  const pick = (n: number) => Math.floor(random.next() * n);
  if (random.next() < 0.1) return text.slice(0, pick(text.length));
  const json = JSON.parse(text);
  const all = paths(json).filter((path) => path.length > 0);
  const path = all[pick(all.length)];
  const parent = path.slice(0, -1).reduce((node: never, key) => node[key], json as never) as Record<
    string | number,
    unknown
  >;
  const key = path[path.length - 1];
  const value = parent[key];
  const kind = pick(3);
  if (kind === 0 && !Array.isArray(parent)) delete parent[key];
  else if (kind === 1 && typeof value === 'string' && value.length > 8) {
    parent[key] =
      random.next() < 0.5 ? value.slice(0, pick(value.length)) : `${value.slice(0, -4)}/8A=`;
  } else parent[key] = ODD_VALUES[pick(ODD_VALUES.length)];
  return JSON.stringify(json);
}

/**
 * model.json read with nothing from this project: apply the layers in order, BatchNorm with its
 * moving statistics, in float32 arithmetic (Math.fround after each operation on stored values).
 */
export interface ModelJson {
  input: { height: number; width: number; scale: number; offset: number };
  layers: {
    type: string;
    weights: number[][];
    bias: number[];
    gamma: number[];
    beta: number[];
    movingMean: number[];
    movingVariance: number[];
    epsilon: number;
  }[];
}

export function independentAccuracy(json: ModelJson, split: Split): number {
  const inputs = json.input.height * json.input.width;
  let correct = 0;
  for (let n = 0; n < split.count; n++) {
    let a: number[] = Array.from(split.images.subarray(n * inputs, (n + 1) * inputs), (p) =>
      Math.fround(p * json.input.scale + json.input.offset),
    );
    for (const layer of json.layers) {
      if (layer.type === 'dense') {
        a = layer.bias.map((b: number, j: number) =>
          Math.fround(a.reduce((sum, x, i) => sum + x * layer.weights[i][j], b)),
        );
      } else if (layer.type === 'batchnorm') {
        a = a.map((x, j) =>
          Math.fround(
            x * (layer.gamma[j] / Math.sqrt(layer.movingVariance[j] + layer.epsilon)) +
              (layer.beta[j] -
                layer.movingMean[j] *
                  (layer.gamma[j] / Math.sqrt(layer.movingVariance[j] + layer.epsilon))),
          ),
        );
      } else if (layer.type === 'relu') {
        a = a.map((x) => Math.max(0, x));
      }
    }
    if (a.indexOf(Math.max(...a)) === split.labels[n]) correct++;
  }
  return correct / split.count;
}

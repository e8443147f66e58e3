// model.json: a network written layer by layer, readable by people and by other programs.
// Every float is written with just enough digits to read back as the same float32 bits.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { readInputFile } from '../inputFile.js';
import type { Engine } from './engine.js';
import { FieldReader } from './layerRecord.js';
import { Dense, LAYER_READERS, type Layer } from './layers.js';
import { Network, type InputSpec } from './network.js';

export const MODEL_FORMAT = 'mnist-softmax-model';
export const MODEL_VERSION = 1;

/** 10^0 … 10^22: the powers of ten that doubles hold exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal that reads back as the same float32 (at most 9 significant digits),
 * written as JavaScript writes numbers. −0 is kept as "-0", which JSON.parse reads back as −0.
 *
 * The fast path rounds |v| to d significant digits in doubles, q = round(|v| · 10^k) with
 * k = d − 1 − ⌊log10 |v|⌋, which is exact unless the product lies near a tie (or 10^k is not
 * exact); the digits of the smallest d whose q · 10^−k reads back as v are written out. Where
 * doubles cannot decide, `shortestFloat32ByPrecision` decides with exact decimal rounding. Both
 * give the same text (tested on a million random float32 bit patterns).
 */
export function formatFloat32(value: number): string {
  if (Object.is(value, -0)) return '-0';
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} into a model file`);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  const exponent = Math.floor(Math.log10(magnitude));
  // most float32s need 7 or 8 digits: start at 7, then go down or up
  let d = 7;
  let digits = roundedDigits(magnitude, exponent, d);
  if (digits < 0) return shortestFloat32ByPrecision(value);
  if (readsBack(digits, magnitude, exponent, d)) {
    while (d > 1) {
      const fewer = roundedDigits(magnitude, exponent, d - 1);
      if (fewer < 0) return shortestFloat32ByPrecision(value);
      if (!readsBack(fewer, magnitude, exponent, d - 1)) break;
      d--;
      digits = fewer;
    }
  } else {
    do {
      if (++d > 9) return shortestFloat32ByPrecision(value);
      digits = roundedDigits(magnitude, exponent, d);
      if (digits < 0) return shortestFloat32ByPrecision(value);
    } while (!readsBack(digits, magnitude, exponent, d));
  }
  // the point's place: after exponent + 1 digits (one more when rounding up made 10^d)
  const point = exponent + 1 + (digits === POWERS_OF_TEN[d] ? 1 : 0);
  while (digits % 10 === 0) digits /= 10;
  return (value < 0 ? '-' : '') + numberText(String(digits), point);
}

/**
 * |v| to d significant digits, as the integer q = round(|v| · 10^k), k = d − 1 − exponent; −1
 * where doubles cannot decide it exactly (10^k not exact, the exponent off, near a tie).
 */
function roundedDigits(magnitude: number, exponent: number, d: number): number {
  const k = d - 1 - exponent;
  if (k > 22 || k < -22) return -1;
  const scaled = k >= 0 ? magnitude * POWERS_OF_TEN[k] : magnitude / POWERS_OF_TEN[-k];
  if (scaled < POWERS_OF_TEN[d - 1] || scaled >= POWERS_OF_TEN[d]) return -1;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (Math.abs(fraction - 0.5) < 1e-7) return -1;
  return fraction > 0.5 ? floor + 1 : floor;
}

/** Whether q · 10^−k (the nearest double to that decimal) reads back as the float32 |v|. */
function readsBack(digits: number, magnitude: number, exponent: number, d: number): boolean {
  const k = d - 1 - exponent;
  const decimal = k >= 0 ? digits / POWERS_OF_TEN[k] : digits * POWERS_OF_TEN[-k];
  return Math.fround(decimal) === magnitude;
}

/** The shortest float32 decimal by exact decimal rounding (toPrecision): slow, always right. */
export function shortestFloat32ByPrecision(value: number): string {
  if (Object.is(value, -0)) return '-0';
  // Round-tripping is monotone in the number of digits (9 always suffice): binary search.
  let low = 1;
  let high = 9;
  while (low < high) {
    const digits = (low + high) >> 1;
    if (Math.fround(Number(value.toPrecision(digits))) === value) high = digits;
    else low = digits + 1;
  }
  return String(Number(value.toPrecision(low)));
}

/**
 * How JavaScript writes digits × 10^(point − digits.length) (ECMA-262 Number::toString):
 * plainly from 1e-7 up to 1e21, with an exponent outside.
 */
function numberText(digits: string, point: number): string {
  const count = digits.length;
  if (count <= point && point <= 21) return digits + '0'.repeat(point - count);
  if (0 < point && point <= 21) return `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (-6 < point && point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  const exponent = point - 1;
  const mantissa = count === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

function floats(values: Float32Array): string {
  return `[${Array.from(values, formatFloat32).join(', ')}]`;
}

/**
 * A layer as model.json writes it: "type" and the numbers on the first line, then each array on
 * a line of its own and each matrix row by row.
 */
function layerJson(layer: Layer): string {
  const { type, fields } = layer.record();
  const head = [`"type": ${JSON.stringify(type)}`];
  const tail: string[] = [];
  for (const [name, value] of fields) {
    if (typeof value === 'number') head.push(`"${name}": ${value}`);
    else if (value instanceof Float32Array) tail.push(`"${name}": ${floats(value)}`);
    else {
      const rows: string[] = [];
      for (let start = 0; start < value.values.length; start += value.columns) {
        rows.push(floats(value.values.subarray(start, start + value.columns)));
      }
      tail.push(`"${name}": [\n      ${rows.join(',\n      ')}]`);
    }
  }
  return `{${[head.join(', '), ...tail].join(',\n     ')}}`;
}

/**
 * The data set a model was trained on (its input shape and class names are the model's own
 * `input` and `classes`): what `--data` named, the data set's name, and a fingerprint of the
 * test images it was measured on.
 */
export interface ModelData {
  source: string;
  name: string;
  testCount: number;
  testFingerprint: string;
}

/**
 * The text of model.json. `training` is free-form: options, seed, epochs run, final metrics;
 * `data` the data set it was trained on.
 */
export function serializeModel(
  network: Network,
  training: Record<string, unknown>,
  data?: ModelData,
): string {
  const layers = [...network.layers.map(layerJson), '{"type": "softmax"}'];
  return (
    '{\n' +
    `  "format": ${JSON.stringify(MODEL_FORMAT)},\n` +
    `  "version": ${MODEL_VERSION},\n` +
    `  "input": ${JSON.stringify(network.input)},\n` +
    `  "classes": ${JSON.stringify(network.classes)},\n` +
    `  "layers": [\n    ${layers.join(',\n    ')}\n  ],\n` +
    (data ? `  "data": ${JSON.stringify(data)},\n` : '') +
    `  "training": ${JSON.stringify(training)}\n` +
    '}\n'
  );
}

export interface LoadedModel {
  network: Network;
  training: Record<string, unknown>;
  /** Absent in models written before it was recorded. */
  data?: ModelData;
}

/** Larger model files are refused unread (a JavaScript string holds at most about 512 MB). */
const MAX_MODEL_BYTES = 500 * 1024 * 1024;

/** `file`, or the model.json of a run folder named instead; a folder without one is refused. */
export function modelFileIn(file: string): string {
  let folder: boolean;
  try {
    folder = statSync(file).isDirectory();
  } catch {
    return file; // readInputFile says why
  }
  if (!folder) return file;
  const inside = join(file, 'model.json');
  if (existsSync(inside)) return inside;
  throw new ModelError(
    `${file} is a folder with no model.json: give the model.json that train wrote in its run folder`,
  );
}

export async function readModelFile(file: string, engine: Engine): Promise<LoadedModel> {
  file = modelFileIn(file);
  let text: string;
  try {
    text = readInputFile(file, MAX_MODEL_BYTES, 'a model.json').toString('utf8');
  } catch (error) {
    throw new ModelError((error as Error).message);
  }
  return parseModel(text, file, engine);
}

type Json = Record<string, unknown>;

/** A JSON object (not null, not an array): what each level of model.json and checkpoint.json is. */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates model.json text; every problem names the file and, where any, the layer. */
export function parseModel(text: string, file: string, engine: Engine): LoadedModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new ModelError(`${file}: ${what}`);
  };
  if (!isObject(json)) return fail('expected a JSON object');
  if (json.format !== MODEL_FORMAT) {
    fail(`not an mnist-softmax model (format is ${JSON.stringify(json.format)})`);
  }
  if (json.version !== MODEL_VERSION) {
    fail(`model version ${JSON.stringify(json.version)} is not supported (this tool reads 1)`);
  }
  const input = parseInput(json.input, fail);
  const classes = json.classes;
  if (
    !Array.isArray(classes) ||
    classes.length < 2 ||
    !classes.every((c) => typeof c === 'string')
  ) {
    fail('"classes" must be an array of at least two class names');
  }
  const names = classes as string[];
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  const control = names.findIndex((name) => /[\u0000-\u001f\u007f-\u009f]/.test(name));
  if (control >= 0) {
    // printed as they are, escape sequences would drive the terminal
    fail(`class name ${control} holds control characters: ${JSON.stringify(names[control])}`);
  }
  if (!Array.isArray(json.layers) || json.layers.length === 0) fail('"layers" must be an array');
  const layersJson = json.layers as unknown[];

  const layers: Layer[] = [];
  let size = input.height * input.width;
  layersJson.forEach((layerJson, index) => {
    const where = (what: string): never =>
      fail(`layer ${index} (${isObject(layerJson) ? String(layerJson.type) : '?'}): ${what}`);
    if (!isObject(layerJson)) return where('expected an object');
    const last = index === layersJson.length - 1;
    if (layerJson.type === 'softmax') {
      if (!last) where('softmax must be the last layer');
      return;
    }
    const read = LAYER_READERS[String(layerJson.type)];
    if (!read || !Object.hasOwn(LAYER_READERS, String(layerJson.type))) {
      where(`unknown layer type ${JSON.stringify(layerJson.type)}`);
    }
    const next = layersJson[index + 1];
    const beforeBatchnorm = isObject(next) && next.type === 'batchnorm';
    const layer = read(new FieldReader(layerJson, where), {
      inputs: size,
      beforeBatchnorm,
      engine,
    });
    layers.push(layer);
    size = layer.outputs;
    if (last && layerJson.type !== 'softmax') where('the last layer must be softmax');
  });
  // every engine takes its input in a dense layer: the sparse rows of the fast one need it
  if (!(layers[0] instanceof Dense)) {
    fail('the first layer must be dense (a network starts with its weights)');
  }
  if (size !== (classes as string[]).length) {
    fail(`the network has ${size} outputs but ${(classes as string[]).length} classes`);
  }
  const training = isObject(json.training) ? json.training : {};
  const data = parseData(json.data, fail);
  return {
    network: new Network(input, classes as string[], layers, engine),
    training,
    ...(data ? { data } : {}),
  };
}

function parseInput(value: unknown, fail: (what: string) => never): InputSpec {
  if (!isObject(value)) return fail('"input" must be an object');
  const { height, width, scale, offset } = value;
  const positiveInteger = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positiveInteger(height) || !positiveInteger(width)) {
    fail('"input.height" and "input.width" must be positive integers');
  }
  // the largest input, 255 · scale + offset, must be finite as float32 too
  if (![scale, offset, 255 * Number(scale) + Number(offset)].every(FieldReader.finiteFloat32)) {
    fail('"input.scale" and "input.offset" must be numbers finite as float32 (up to 255 · scale)');
  }
  return { height, width, scale, offset } as InputSpec;
}

function parseData(value: unknown, fail: (what: string) => never): ModelData | undefined {
  if (value === undefined) return undefined;
  const strings = ['source', 'name', 'testFingerprint'] as const;
  if (
    !isObject(value) ||
    strings.some((key) => typeof value[key] !== 'string') ||
    !Number.isInteger(value.testCount)
  ) {
    return fail('"data" must be {"source", "name", "testCount", "testFingerprint"}');
  }
  return value as unknown as ModelData;
}

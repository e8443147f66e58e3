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
import { TextBytes } from './textBytes.js';

export const MODEL_FORMAT = 'mnist-softmax-model';
export const MODEL_VERSION = 1;

/**
 * A layer as model.json writes it: "type" and the numbers on the first line, then each array on
 * a line of its own and each matrix row by row.
 */
function writeLayer(out: TextBytes, layer: Layer): void {
  const { type, fields } = layer.record();
  const head = [`"type": ${JSON.stringify(type)}`];
  for (const [name, value] of fields) {
    if (typeof value === 'number') head.push(`"${name}": ${value}`);
  }
  out.text(`{${head.join(', ')}`);
  for (const [name, value] of fields) {
    if (typeof value === 'number') continue;
    out.text(`,\n     "${name}": `);
    if (value instanceof Float32Array) {
      out.floats(value);
      continue;
    }
    out.text('[\n      ');
    for (let start = 0; start < value.values.length; start += value.columns) {
      if (start > 0) out.text(',\n      ');
      out.floats(value.values.subarray(start, start + value.columns));
    }
    out.text(']');
  }
  out.text('}');
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
  const out = new TextBytes();
  writeModel(out, network, training, data);
  return out.toString();
}

/** serializeModel's text, written into `out` (a file's, for one) without making the string. */
export function writeModel(
  out: TextBytes,
  network: Network,
  training: Record<string, unknown>,
  data?: ModelData,
): void {
  out.text(
    '{\n' +
      `  "format": ${JSON.stringify(MODEL_FORMAT)},\n` +
      `  "version": ${MODEL_VERSION},\n` +
      `  "input": ${JSON.stringify(network.input)},\n` +
      `  "classes": ${JSON.stringify(network.classes)},\n` +
      '  "layers": [\n    ',
  );
  for (const layer of network.layers) {
    writeLayer(out, layer);
    out.text(',\n    ');
  }
  out.text(
    '{"type": "softmax"}\n  ],\n' +
      (data ? `  "data": ${JSON.stringify(data)},\n` : '') +
      `  "training": ${JSON.stringify(training)}\n` +
      '}\n',
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
  } catch {
    // never the parser's message: it quotes the file's first bytes (a PNG's are not text)
    throw new ModelError(`${file}: not a model file (not JSON)`);
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

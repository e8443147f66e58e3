// checkpoint.json: everything a run needs to continue after its last finished epoch, bit for
// bit: its options, its metrics so far, the network's arrays, the optimiser's state, the random
// generator's state and the training set's order. Arrays are stored as base64 float32 bytes, so
// nothing is lost to decimal.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import type { TextBytes } from '../model/textBytes.js';
import { isObject } from '../model/modelFile.js';
import { allFinite } from '../model/tensor.js';
import type { Network } from '../model/network.js';
import type { EpochMetrics } from '../train/records.js';
import type { TrainState } from '../train/trainer.js';
import { isLearningRate, type RateOverride } from '../train/rates.js';
import { ENGINES, type EngineName } from '../wasm/engineNames.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 'mnist-softmax-checkpoint';
/**
 * Version 3 records the training data it was made on; version 2 leaves the history to
 * metrics.jsonl (version 1 carried it). All three are read.
 */
const VERSION = 3;

/** Every array that makes up a network's state, layer by layer, in a fixed order. */
function networkArrays(network: Network): Float32Array[] {
  return network.layers.flatMap((layer) => layer.state());
}

/** The training images a checkpoint's run trains on: what a resume must find again. */
export interface TrainingData {
  count: number;
  /** dataset.ts fingerprint() of the training split (after any validation hold-out). */
  fingerprint: string;
}

export interface Checkpoint<Options> {
  options: Options;
  /**
   * The engine the run trained with: a resume continues with it (bit for bit) unless another is
   * asked for. Not among the options: where and how a run trains is not the run's record. (Older
   * checkpoints kept it in `options`.)
   */
  engine?: EngineName;
  /** Since version 3. */
  data?: TrainingData;
  /** Only in version 1 checkpoints; since version 2 the history is metrics.jsonl's. */
  history?: EpochMetrics[];
  state: TrainState;
  /** The network's arrays (networkArrays order). */
  arrays: Float32Array[];
  /** Learning rates set by hand up to its step (runControl.ts); absent when none were. */
  rates?: RateOverride[];
}

/**
 * The position of a training that cannot continue from a saved state (L-BFGS: its curvature
 * memory is not saved): its epoch and step, no order, no optimiser arrays. A resume of it is
 * refused by its options (openRun.ts).
 */
export function positionOnly(epoch: number, step: number): TrainState {
  return {
    epoch,
    step,
    randomState: 0,
    order: new Uint32Array(0),
    optimizer: { t: epoch, arrays: [] },
  };
}

/**
 * checkpoint.json's name and how to write it, with the epoch's other files: JSON.stringify's
 * text of the checkpoint, the arrays' base64 written straight into the file (the network's
 * arrays and the optimiser's make up nearly all of it).
 */
export function checkpointFile<Options>(
  options: Options,
  engine: EngineName,
  data: TrainingData,
  state: TrainState,
  network: Network,
  rates: RateOverride[] = [],
): [string, (out: TextBytes) => void] {
  const list = (out: TextBytes, arrays: Float32Array[]) => {
    out.text('[');
    arrays.forEach((array, i) =>
      out
        .text(i > 0 ? ',"' : '"')
        .base64(array)
        .text('"'),
    );
    return out.text(']');
  };
  const head = JSON.stringify({ format: FORMAT, version: VERSION, options, engine, data });
  const write = (out: TextBytes) => {
    out.text(head.slice(0, -1)); // its closing brace comes at the end
    out.text(`,"state":{"epoch":${state.epoch},"step":${state.step},`);
    out.text(`"randomState":${state.randomState},"order":"`).base64(state.order);
    out.text(`","optimizer":{"t":${state.optimizer.t},"arrays":`);
    list(out, state.optimizer.arrays).text('}},"arrays":');
    list(out, networkArrays(network));
    if (rates.length > 0) out.text(`,"rates":${JSON.stringify(rates)}`);
    out.text('}\n');
  };
  return [CHECKPOINT_FILE, write];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isCount = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * Reads checkpoint.json as strictly as model.json is read: every field of the expected type and
 * range, every array whole base64 of finite float32. Throws UserError naming the field.
 */
export function readCheckpoint<Options>(folder: string): Checkpoint<Options> {
  const file = join(folder, CHECKPOINT_FILE);
  const fail = (what: string): never => {
    throw new UserError(`--resume ${folder}: ${what}`, EXIT.input);
  };
  const invalid = (what: string): never => fail(`${CHECKPOINT_FILE}: ${what}`);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'ENOENT'
        ? `no ${CHECKPOINT_FILE} (no epoch of this run finished, or it is not a run folder)`
        : `${CHECKPOINT_FILE} is not readable (${code})`,
    );
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid('not a checkpoint (not JSON)');
  }
  if (
    !isObject(json) ||
    json.format !== FORMAT ||
    ![1, 2, VERSION].includes(json.version as number)
  ) {
    invalid(`not an mnist-softmax checkpoint of version ${VERSION}`);
  }
  const bytes = (text: unknown, what: string): Buffer => {
    if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) {
      invalid(`${what} is not base64 of 4-byte values`);
    }
    const decoded = Buffer.from(text as string, 'base64');
    if (decoded.length % 4 !== 0) invalid(`${what} is not base64 of 4-byte values`);
    return decoded;
  };
  const floats = (text: unknown, what: string): Float32Array => {
    const decoded = bytes(text, what);
    const array = new Float32Array(decoded.length / 4);
    new Uint8Array(array.buffer).set(decoded);
    if (!allFinite(array)) invalid(`${what} holds a value that is not finite`);
    return array;
  };
  const list = (value: unknown, what: string): unknown[] =>
    Array.isArray(value) ? value : invalid(`${what} is not a list`);

  const { state, data } = json as Record<string, unknown>;
  if (!isObject(json.options)) invalid('"options" is not an object');
  if (json.engine !== undefined && !ENGINES.includes(json.engine as EngineName)) {
    invalid(`"engine" is not one of ${ENGINES.join(', ')}`);
  }
  if (!isObject(state)) return invalid('"state" is not an object');
  if (!isCount(state.epoch, 1)) invalid('"state.epoch" is not a whole number ≥ 1');
  if (!isCount(state.step, 0)) invalid('"state.step" is not a whole number ≥ 0');
  if (!isCount(state.randomState, 0, 2 ** 32 - 1)) {
    invalid('"state.randomState" is not a whole number in 0..2³²−1');
  }
  const { optimizer } = state;
  if (!isObject(optimizer)) return invalid('"state.optimizer" is not an object');
  if (!isCount(optimizer.t, 0)) invalid('"state.optimizer.t" is not a whole number ≥ 0');
  const orderBytes = bytes(state.order, '"state.order"');
  const order = new Uint32Array(orderBytes.length / 4);
  new Uint8Array(order.buffer).set(orderBytes);
  if (json.version === VERSION) {
    if (!isObject(data) || !isCount(data.count, 1) || typeof data.fingerprint !== 'string') {
      invalid('"data" does not give the training images\' count and fingerprint');
    }
  }
  const rates =
    json.rates === undefined
      ? undefined
      : list(json.rates, '"rates"').map((rate, i) =>
          isObject(rate) && isCount(rate.step, 0) && isLearningRate(rate.lr)
            ? { step: rate.step, lr: rate.lr }
            : invalid(`"rates[${i}]" is not a step and a positive learning rate`),
        );
  return {
    ...(rates ? { rates } : {}),
    options: json.options as Options,
    ...(json.engine === undefined ? {} : { engine: json.engine as EngineName }),
    ...(json.version === 1 ? { history: json.history as EpochMetrics[] } : {}),
    ...(json.version === VERSION ? { data: data as unknown as TrainingData } : {}),
    state: {
      epoch: state.epoch as number,
      step: state.step as number,
      randomState: state.randomState as number,
      order,
      optimizer: {
        t: optimizer.t as number,
        arrays: list(optimizer.arrays, '"state.optimizer.arrays"').map((text, i) =>
          floats(text, `"state.optimizer.arrays[${i}]"`),
        ),
      },
    },
    arrays: list(json.arrays, '"arrays"').map((text, i) => floats(text, `"arrays[${i}]"`)),
  };
}

/**
 * Refuses to continue on other training data than the checkpoint's: a resume goes on with the
 * saved order of the training images, which only fits the same images.
 */
export function checkResumeData<Options>(
  checkpoint: Checkpoint<Options>,
  now: TrainingData,
  folder: string,
): void {
  const { data, state } = checkpoint;
  const fail = (what: string): never => {
    throw new UserError(`--resume ${folder}: ${what}`, EXIT.input);
  };
  if (data && (data.count !== now.count || data.fingerprint !== now.fingerprint)) {
    fail(
      `the training data differ from the run's (${data.count} images, fingerprint ` +
        `${data.fingerprint}; now ${now.count}, ${now.fingerprint})`,
    );
  }
  const { order } = state;
  const seen = new Uint8Array(now.count);
  const permutation =
    order.length === now.count && order.every((n) => n < now.count && seen[n]++ === 0);
  if (!permutation) {
    fail(`${CHECKPOINT_FILE}: "state.order" is not an order of the ${now.count} training images`);
  }
}

/** Puts saved arrays into a network built with the same architecture. */
export function restoreNetwork(network: Network, arrays: Float32Array[], folder: string): void {
  const targets = networkArrays(network);
  if (targets.length !== arrays.length || targets.some((t, i) => t.length !== arrays[i].length)) {
    throw new UserError(
      `--resume ${folder}: the checkpoint's network does not match its options`,
      EXIT.input,
    );
  }
  targets.forEach((target, i) => target.set(arrays[i]));
}

/**
 * The resume protocol: a run continues from its checkpoint with its own saved options; only
 * `epochs` may change, to extend it (never below the epochs already finished).
 */
export function readResumePoint<Options extends { epochs: number }>(
  folder: string,
  epochs?: number,
): { options: Options; checkpoint: Checkpoint<Options> } {
  const checkpoint = readCheckpoint<Options>(folder);
  if (epochs !== undefined && epochs < checkpoint.state.epoch) {
    throw new UsageError(
      `--epochs ${epochs}: the run in ${folder} has already finished ${checkpoint.state.epoch} epochs`,
    );
  }
  const options = { ...checkpoint.options, epochs: epochs ?? checkpoint.options.epochs };
  return { options, checkpoint };
}

// checkpoint.json: everything a run needs to continue after its last finished epoch, bit for
// bit: its options, its metrics so far, the network's arrays, the optimiser's state, the random
// generator's state and the training set's order. Arrays are stored as base64 float32 bytes, so
// nothing is lost to decimal.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError, UserError } from '../errors.js';
import { BatchNorm, Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { EpochMetrics } from './records.js';
import type { TrainState } from './trainer.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 'mnist-softmax-checkpoint';
/** Version 2 leaves the history to metrics.jsonl (version 1 carried it; still read). */
const VERSION = 2;

/** Every array that makes up a network's state, layer by layer, in a fixed order. */
function networkArrays(network: Network): Float32Array[] {
  return network.layers.flatMap((layer) => {
    if (layer instanceof Dense) return [layer.weights, layer.bias];
    if (layer instanceof BatchNorm) {
      return [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance];
    }
    return [];
  });
}

function encode(array: Float32Array | Uint32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const array = new Float32Array(bytes.length / 4);
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

export interface Checkpoint<Options> {
  options: Options;
  /** Only in version 1 checkpoints; since version 2 the history is metrics.jsonl's. */
  history?: EpochMetrics[];
  state: TrainState;
  /** The network's arrays (networkArrays order). */
  arrays: Float32Array[];
}

/** checkpoint.json's name and text, to be written together with the epoch's other files. */
export function checkpointFile<Options>(
  options: Options,
  state: TrainState,
  network: Network,
): [string, string] {
  const json = {
    format: FORMAT,
    version: VERSION,
    options,
    state: {
      epoch: state.epoch,
      step: state.step,
      randomState: state.randomState,
      order: encode(state.order),
      optimizer: { t: state.optimizer.t, arrays: state.optimizer.arrays.map(encode) },
    },
    arrays: networkArrays(network).map(encode),
  };
  return [CHECKPOINT_FILE, JSON.stringify(json) + '\n'];
}

export function readCheckpoint<Options>(folder: string): Checkpoint<Options> {
  const file = join(folder, CHECKPOINT_FILE);
  const fail = (what: string): never => {
    throw new UserError(`--resume ${folder}: ${what}`, EXIT.input);
  };
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'ENOENT'
        ? `no ${CHECKPOINT_FILE} (no epoch of this run finished, or it is not a run folder)`
        : `${CHECKPOINT_FILE} is not readable (${code ?? (error as Error).message})`,
    );
  }
  if (json?.format !== FORMAT || (json.version !== VERSION && json.version !== 1)) {
    fail(`${CHECKPOINT_FILE} is not an mnist-softmax checkpoint of version ${VERSION}`);
  }
  const { state } = json;
  const orderBytes = Buffer.from(state.order, 'base64');
  const order = new Uint32Array(orderBytes.length / 4);
  new Uint8Array(order.buffer).set(orderBytes);
  return {
    options: json.options,
    ...(json.version === 1 ? { history: json.history } : {}),
    state: {
      epoch: state.epoch,
      step: state.step,
      randomState: state.randomState,
      order,
      optimizer: { t: state.optimizer.t, arrays: state.optimizer.arrays.map(decodeFloats) },
    },
    arrays: json.arrays.map(decodeFloats),
  };
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

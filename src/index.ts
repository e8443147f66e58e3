// mnist-softmax as a library: what the command line is built on. Read IDX files and data sets,
// build or load a network, train it as a run (with its events), save and read model.json,
// predict, and prepare a drawing as MNIST's digits were prepared.
//
//   import { train, readModelFile, predictImage, readPngGrey } from 'mnist-softmax';
//
// Everything here is also what `mnist-softmax --help` does; the README shows an example.

import type { RunOptions } from './train/defaults.js';
import { startRun, type RunHooks, type RunPlacement, type RunResult } from './train/run.js';

// data
export {
  fingerprint,
  holdOut,
  loadDataset,
  resolveDataSource,
  type Dataset,
  type DataSource,
  type LoadOptions,
  type Split,
} from './data/dataset.js';
export { decodeIdx, encodeIdx, readIdxFile, type IdxArray, type IdxType } from './data/idx.js';
export { encodeGreyPng, readPngGrey } from './data/png.js';
export { prepareDigit, type GreyImage, type Prepared } from './data/prepare.js';

// networks and model.json
export { createEngine, type EngineName } from './wasm/engine.js';
export type { Engine } from './model/engine.js';
export {
  buildNetwork,
  describeNetwork,
  MNIST_INPUT,
  Network,
  type Architecture,
  type InputSpec,
} from './model/network.js';
export {
  parseModel,
  readModelFile,
  serializeModel,
  type LoadedModel,
  type ModelData,
} from './model/modelFile.js';

// training and evaluating
export { RUN_DEFAULTS, type RunOptions } from './train/defaults.js';
export type { RunConfig, RunEvent, RunHooks, RunPlacement, RunResult } from './train/run.js';
export type { EpochMetrics, StepLog } from './train/records.js';
export { evaluate, type Evaluation } from './train/evaluate.js';

// prediction
export {
  classifyPixels,
  predictImage,
  type Classification,
  type ImagePrediction,
} from './model/predict.js';

// errors: every refusal of bad input is a UserError (with the exit code the CLI uses)
export {
  DataError,
  DivergenceError,
  EXIT,
  InterruptedError,
  ModelError,
  UsageError,
  UserError,
} from './errors.js';

/**
 * Trains a model as `mnist-softmax train` does: `options` as the command line's (camelCase;
 * unset ones take their defaults), checked by the same parsers. The run folder (`placement.out`,
 * by default `runs/<timestamp>`) gets metrics, the event log, model.json, a checkpoint and the
 * report; `hooks.onEvent` sees every event (started, step, log, epoch, finished …) as it comes.
 */
export function train(
  options: Partial<RunOptions> = {},
  placement: RunPlacement = {},
  hooks: RunHooks = {},
): Promise<RunResult> {
  return startRun(options, placement, hooks);
}

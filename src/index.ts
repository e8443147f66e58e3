// mnist-softmax as a library: what the command line is built on. Read IDX files and data sets,
// build or load a network, train it as a run (with its events), save and read model.json,
// predict, and prepare a drawing as MNIST's digits were prepared.
//
//   import { train, readModelFile, predictImage, readPngGrey } from 'mnist-softmax';
//
// Everything here is also what `mnist-softmax --help` does; the README shows an example.

import type { Engine } from './model/engine.js';
import * as modelFile from './model/modelFile.js';
import type { TrainOptions } from './run/options.js';
import { startRun, type RunHooks, type RunPlacement, type RunResult } from './run/run.js';
import { createEngine, type EngineName } from './wasm/engine.js';

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
export { serializeModel, type LoadedModel, type ModelData } from './model/modelFile.js';

// training and evaluating
export {
  OPTIONS,
  RUN_DEFAULTS,
  type OptionSpec,
  type RunOptions,
  type TrainOptions,
} from './run/options.js';
export type { RunConfig, RunEvent, RunHooks, RunPlacement, RunResult } from './run/run.js';
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
  options: Partial<TrainOptions> = {},
  placement: RunPlacement = {},
  hooks: RunHooks = {},
): Promise<RunResult> {
  return startRun(options, placement, hooks);
}

/**
 * The engine a model is read onto: one made by createEngine, or a name ('wasm', the command
 * line's default, or 'reference'), which gives the model an engine of its own on one thread
 * (nothing to close). A wasm engine made with threads is closed with `engine.close()`.
 */
function engineOf(engine: Engine | EngineName): Engine {
  return typeof engine === 'string' ? createEngine(engine) : engine;
}

/**
 * Reads and checks a model.json, onto the wasm engine unless another is named: its
 * predictions (predictImage, classifyPixels) and `evaluate` run there, as `eval` runs them.
 */
export function readModelFile(
  file: string,
  engine: Engine | EngineName = 'wasm',
): Promise<modelFile.LoadedModel> {
  return modelFile.readModelFile(file, engineOf(engine));
}

/** readModelFile's check of model.json text; `file` names it in errors. */
export function parseModel(
  text: string,
  file: string,
  engine: Engine | EngineName = 'wasm',
): modelFile.LoadedModel {
  return modelFile.parseModel(text, file, engineOf(engine));
}

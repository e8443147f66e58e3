// The Run API: one training run and its folder, from start (or resume) to report. The CLI, the
// studio and the library drive runs through `startRun` and read its typed events; none of them
// touches a run folder's files themselves.
//
//   options → open and lock the folder → data → network (restored on resume) → train, writing
//   each finished epoch's files together → report → release the folder, close the engine

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import {
  fingerprint,
  holdOut,
  loadDataset,
  resolveDataSource,
  type Dataset,
} from '../data/dataset.js';
import { DivergenceError, EXIT, InterruptedError, UsageError, UserError } from '../errors.js';
import { parseModel, serializeModel, type ModelData } from '../model/modelFile.js';
import {
  buildNetwork,
  checkArchitecture,
  checkNetworkSize,
  describeInit,
  describeNetwork,
  MNIST_INPUT,
  type Architecture,
  type Network,
} from '../model/network.js';
import type { Engine } from '../model/engine.js';
import { Random } from '../random.js';
import { CurvesFile, reportFiles } from '../report/runReport.js';
import { runCurves } from '../report/series.js';
import { createEngine } from '../wasm/engine.js';
import type { Batch } from '../model/batches.js';
import { checkpointFile, checkResumeData, readResumePoint, restoreNetwork } from './checkpoint.js';
import {
  checkOptions,
  defaultLogEvery,
  learningRateOf,
  libraryOption,
  OptionValueError,
  optionWarnings,
  recordOf,
  resolveOptions,
  RUN_DEFAULTS,
  type ResolvedOptions,
  type RunOptions,
  type TrainOptions,
} from './options.js';
import { epochEvent, EventLog, readEvents } from './eventLog.js';
import { EpochKeeper, type Kept } from './keep.js';
import { MetricsHistory, metricsSummary, writeFileAtomic } from './runFiles.js';
import { openRunFolder } from './runFolder.js';
import {
  plannedEpochs,
  train,
  type BatchProgress,
  type TrainConfig,
  type TrainHooks,
} from '../train/trainer.js';
import { trainLbfgs } from '../train/lbfgs.js';
import type { EndEvent, EpochMetrics, StepLog } from '../train/records.js';

/** Where a run goes and how this process runs it (not saved: a resume may choose again). */
export interface RunPlacement {
  /** The run folder; without it, a new `runs/<timestamp>` of its own. */
  out?: string;
  /** Write into a folder that already holds files (an earlier run's files are removed). */
  force?: boolean;
  /** Continue the run in this folder from its checkpoint (its saved options apply). */
  resume?: string;
  /** With `resume`: extend the run to this many epochs (never fewer than it has finished). */
  epochs?: number;
  /** Threads of the wasm engine (default: the number of cores). */
  threads?: number;
}

/** What the tfjs cross-check (or any model trained alongside) reports after an epoch. */
export interface CompanionEpoch {
  epoch: number;
  maxAbsWeightDiff: number;
  lossDiff: number;
  tfjsTrainLoss: number;
}

/** A model trained alongside on the same batches (`--check-tfjs`), given by the caller. */
export interface Companion {
  backend: string;
  maxWeightDrift: number;
  step(batch: Batch, learningRate: number): void;
  endEpoch(epoch: number, trainLoss: number): CompanionEpoch;
  dispose(): void;
}

/** A run's configuration as metrics.json and model.json record it. */
export type RunConfig = ReturnType<typeof describeRun>;

export interface RunResult {
  folder: string;
  config: RunConfig;
  epochs: EpochMetrics[];
  last: EpochMetrics;
  /** The epoch model.json holds, and by which rule. */
  kept: Kept;
  /** Stopped before its planned epochs by `earlyStop`. */
  stoppedEarly: boolean;
  seconds: number;
  tfjsCheck?: { backend: string; epochs: CompanionEpoch[] };
}

export type RunEvent =
  | {
      type: 'started';
      folder: string;
      config: RunConfig;
      dataset: {
        name: string;
        train: number;
        validation: number;
        test: number;
        height: number;
        width: number;
      };
      loadSeconds: number;
      /** Epochs finished before this process (a resume), else 0. */
      resumedAfter: number;
      epochs: number;
    }
  | { type: 'step'; progress: BatchProgress }
  /** A line of the event log (every `logEvery` steps): the window's loss, norms, saturation. */
  | { type: 'log'; log: StepLog }
  | { type: 'epoch'; metrics: EpochMetrics; check?: CompanionEpoch }
  | { type: 'finished'; result: RunResult }
  | { type: 'interrupted'; folder: string; epochs: number; message: string }
  | { type: 'failed'; folder: string; epochs: number; error: unknown };

export interface RunHooks {
  onEvent?(event: RunEvent): void;
  /** Checked after each batch: true stops the run after it (InterruptedError, epochs kept). */
  shouldStop?(): boolean;
  /** Builds a model to train alongside (the tfjs cross-check), once the network exists. */
  companion?(network: Network, config: TrainConfig): Promise<Companion>;
  /** Messages for the person running it (a resumed cross-check that does not continue). */
  warn?(message: string): void;
}

function architectureOf(options: RunOptions): Architecture {
  return {
    hidden: options.hidden,
    activation: options.activation,
    batchnorm: options.batchnorm,
    init: options.init,
  };
}

/**
 * The options checked and the folder locked, before any data is read. A new run's options are
 * checked before its folder is made; a resumed run's folder is locked before its checkpoint is
 * read (a run still writing it holds the lock), and its saved options apply.
 */
function openRun(requested: unknown, placement: RunPlacement, hooks: RunHooks) {
  // options from the library API are checked as the command line checks its own
  const given = checkOptions(requested ?? {}, libraryOption) as Partial<TrainOptions>;
  if (!placement.resume) {
    const applied = resolveOptions({ ...RUN_DEFAULTS, ...given } as TrainOptions);
    for (const warning of optionWarnings(given, applied)) hooks.warn?.(`warning: ${warning}`);
    const architecture = architectureOf(applied);
    checkArchitecture(architecture);
    const source = resolveDataSource(applied.data);
    const folder = openRunFolder(placement.out, { force: placement.force });
    return { options: applied, architecture, source, checkpoint: null, folder };
  }
  const folder = openRunFolder(placement.resume, { resume: true });
  try {
    const { options: saved, checkpoint } = readResumePoint<{ epochs: number }>(
      placement.resume,
      placement.epochs,
    );
    const resumed = resumedOptions(saved, given, placement.resume, hooks);
    const architecture = architectureOf(resumed);
    checkArchitecture(architecture);
    const source = resolveDataSource(resumed.data);
    return { options: resumed, architecture, source, checkpoint, folder };
  } catch (error) {
    folder.release();
    throw error;
  }
}

/**
 * A resumed run's options: its checkpoint's (an option missing, from a checkpoint older than
 * the option, takes its default), and the engine asked for now. A checkpoint written before the
 * record kept only the run's own options also holds the command line's (out, force, threads …):
 * they are checked, and only the engine is taken from them when none is asked for now.
 */
function resumedOptions(
  saved: unknown,
  given: Partial<TrainOptions>,
  folder: string,
  hooks: RunHooks,
): ResolvedOptions {
  let checked: Partial<TrainOptions>;
  try {
    checked = checkOptions(saved, () => true) as Partial<TrainOptions>;
  } catch (error) {
    const problem =
      error instanceof OptionValueError || error instanceof UsageError
        ? error.message
        : 'its options are not an object';
    throw new UserError(`--resume ${folder}: checkpoint.json: ${problem}`, EXIT.input);
  }
  if (checked.optimizer === 'lbfgs') {
    throw new UsageError(
      `--resume ${folder}: an L-BFGS run cannot continue (its curvature memory is ` +
        'not saved); run it again, it takes seconds',
    );
  }
  if (checked.checkTfjs) {
    hooks.warn?.('--resume: the tfjs cross-check does not continue across a resume');
  }
  return resolveOptions({
    ...RUN_DEFAULTS,
    ...recordOf(checked),
    engine: given.engine ?? checked.engine ?? RUN_DEFAULTS.engine,
    checkTfjs: false,
  } as TrainOptions);
}

function describeRun(
  options: ResolvedOptions,
  architecture: Architecture,
  data: Dataset,
  config: TrainConfig,
  network: Network,
) {
  const full = options.optimizer === 'lbfgs';
  return {
    data: data.name,
    preset: options.preset ?? null,
    model: describeNetwork(network),
    hidden: options.hidden,
    activation: options.hidden.length ? options.activation : null,
    batchnorm: options.batchnorm,
    init: describeInit(architecture),
    loss: options.loss,
    optimizer: options.optimizer,
    ...(options.optimizer === 'momentum' ? { momentum: options.momentum } : {}),
    ...(options.optimizer === 'adam'
      ? { beta1: options.beta1, beta2: options.beta2, adamEpsilon: options.adamEpsilon }
      : {}),
    // L-BFGS takes the full batch and finds its own steps
    learningRate: full ? null : config.learningRate,
    lrSchedule: full ? null : options.lrSchedule,
    weightDecay: options.weightDecay,
    batchSize: full ? null : config.batchSize,
    epochs: plannedEpochs(config, data.train.count),
    steps: options.steps ?? null,
    valSplit: options.valSplit,
    keep: options.keep,
    earlyStop: options.earlyStop ?? null,
    logEvery: config.logEvery,
    seed: options.seed,
    shuffle: options.shuffle,
    engine: options.engine,
    trainLimit: options.trainLimit ?? null,
    testLimit: options.testLimit ?? null,
  };
}

function trainConfig(options: ResolvedOptions): TrainConfig {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: learningRateOf(options),
    seed: options.seed,
    shuffle: options.shuffle,
    // L-BFGS counts its iterations in epochs and brings its own step (train/lbfgs.ts)
    steps: options.optimizer === 'lbfgs' ? undefined : options.steps,
    loss: options.loss,
    optimizer:
      options.optimizer === 'lbfgs'
        ? undefined
        : {
            name: options.optimizer,
            momentum: options.momentum,
            beta1: options.beta1,
            beta2: options.beta2,
            epsilon: options.adamEpsilon,
          },
    weightDecay: options.weightDecay,
    schedule: options.lrSchedule,
  };
}

/**
 * Runs one training from start to report (or from its checkpoint, with `placement.resume`).
 * Every finished epoch's metrics, curves, model and checkpoint are written together, so the
 * folder always describes one epoch. Throws UserError on bad options or files, DivergenceError
 * and InterruptedError with what was saved; the engine is closed and the folder released
 * whatever happens.
 */
export async function startRun(
  requested: Partial<TrainOptions>,
  placement: RunPlacement = {},
  hooks: RunHooks = {},
): Promise<RunResult> {
  const emit = hooks.onEvent ?? (() => {});
  const { options, architecture, source, checkpoint, folder } = openRun(
    requested,
    placement,
    hooks,
  );
  const out = folder.path;
  const finished: EpochMetrics[] = [];
  let engine: Engine | null = null;
  let companion: Companion | null = null;
  let events: EventLog | null = null;
  let step = checkpoint?.state.step ?? 0;
  try {
    engine = createEngine(options.engine, placement.threads ?? availableParallelism());
    const loadStarted = performance.now();
    const data = withValidation(
      await loadDataset(source, { trainLimit: options.trainLimit, testLimit: options.testLimit }),
      options,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    // a batch larger than the data is the data: the buffers are sized by the batch
    const batchSize = Math.min(options.batchSize, data.train.count);
    if (batchSize < options.batchSize && options.optimizer !== 'lbfgs') {
      hooks.warn?.(
        `warning: --batch-size ${options.batchSize} is more than the ${data.train.count} ` +
          `training images: batches of ${batchSize}`,
      );
    }
    const config = {
      ...trainConfig(options),
      batchSize,
      logEvery: options.logEvery ?? defaultLogEvery(data.train.count, batchSize),
    };
    const input = { ...MNIST_INPUT, height: data.train.height, width: data.train.width };
    checkNetworkSize(input.height * input.width, data.classes.length, architecture, batchSize);
    const network = buildNetwork(
      input,
      data.classes,
      architecture,
      new Random(options.seed),
      engine,
    );
    const trainingData = { count: data.train.count, fingerprint: fingerprint(data.train) };
    if (checkpoint) {
      checkResumeData(checkpoint, trainingData, out);
      restoreNetwork(network, checkpoint.arrays, out);
    }
    const runConfig = describeRun(options, architecture, data, config, network);
    folder.epochFiles.open();
    const history = new MetricsHistory(out);
    finished.push(...history.start(checkpoint?.state.epoch ?? 0, checkpoint?.history));
    const keeper = new EpochKeeper(options.keep, options.earlyStop);
    const modelData: ModelData = {
      // a folder as an absolute path: eval and predict find it from anywhere
      source: source.name === source.folder ? resolve(source.folder) : (options.data ?? 'mnist'),
      name: data.name,
      testCount: data.test.count,
      testFingerprint: fingerprint(data.test),
    };
    if (checkpoint) keeper.restore(finished, readFileSync(join(out, 'model.json'), 'utf8'));
    events = new EventLog(out);
    events.start(step);
    const time = new Date().toISOString();
    const epoch = checkpoint?.state.epoch ?? 0;
    events.add({ type: 'start', step, epoch, config: runConfig, pid: process.pid, time });
    events.flush();
    emit({
      type: 'started',
      folder: out,
      config: runConfig,
      dataset: datasetSummary(data),
      loadSeconds,
      resumedAfter: checkpoint?.state.epoch ?? 0,
      epochs: runConfig.epochs,
    });

    companion =
      options.checkTfjs && hooks.companion ? await hooks.companion(network, config) : null;
    const tfjsCheck = companion
      ? { backend: companion.backend, epochs: [] as CompanionEpoch[] }
      : undefined;
    const curves = new CurvesFile((svg) => writeFileAtomic(join(out, 'curves.svg'), svg));
    const started = performance.now();
    const trainHooks: TrainHooks = {
      afterBatch: (batch, progress) => {
        step = progress.step;
        companion?.step(batch, progress.learningRate);
        emit({ type: 'step', progress });
      },
      onLog: (log) => {
        events!.add({ type: 'step', ...log });
        emit({ type: 'log', log });
      },
      afterEpoch: (metrics, state, save) => {
        step = metrics.steps;
        const check = companion?.endEpoch(metrics.epoch, metrics.trainLoss);
        if (check) tfjsCheck!.epochs.push(check);
        finished.push(metrics);
        const serialize = () =>
          serializeModel(
            network,
            {
              ...runConfig,
              epochsRun: metrics.epoch,
              final: metrics,
              kept: { rule: keeper.rule, epoch: metrics.epoch },
            },
            modelData,
          );
        keeper.offer(metrics, serialize);
        history.append(check ? { ...metrics, tfjsCheck: { ...check } } : metrics);
        events!.add(epochEvent(metrics));
        events!.flush();
        if (save) {
          const cross = tfjsCheck ? { tfjsCheck: { backend: tfjsCheck.backend, last: check } } : {};
          folder.epochFiles.commit(metrics.epoch, [
            ['model.json', keeper.model(serialize)],
            checkpointFile(recordOf(options), trainingData, state, network),
            ['metrics.json', metricsSummary(runConfig, metrics, { kept: keeper.kept, ...cross })],
          ]);
          curves.drawAfterEpoch(finished);
        }
        emit({ type: 'epoch', metrics, check });
        if (check && !(check.maxAbsWeightDiff <= companion!.maxWeightDrift)) {
          throw new UserError(
            `--check-tfjs: after epoch ${metrics.epoch} the weights differ from tfjs by ` +
              `${check.maxAbsWeightDiff.toExponential(2)}, more than ${companion!.maxWeightDrift}`,
            EXIT.failed,
          );
        }
        return keeper.shouldStop();
      },
      shouldStop: hooks.shouldStop,
    };
    if (options.optimizer === 'lbfgs') {
      const iterations = options.epochs;
      await trainLbfgs(network, data, { iterations, weightDecay: options.weightDecay }, trainHooks);
    } else {
      await train(network, data, config, trainHooks, checkpoint?.state);
    }
    const seconds = (performance.now() - started) / 1000;
    curves.draw(finished);
    const stepCurves = runCurves(readEvents(out), finished);
    const { kept } = keeper;
    const last = finished[finished.length - 1];
    // the report shows the model kept, which is not the last epoch's when an earlier was better
    const keptNetwork =
      kept.epoch === last.epoch
        ? network
        : parseModel(readFileSync(join(out, 'model.json'), 'utf8'), 'model.json', engine).network;
    for (const [name, contents] of reportFiles(
      runConfig,
      finished,
      stepCurves,
      keptNetwork,
      data.test,
    )) {
      writeFileAtomic(join(out, name), contents);
    }
    const result: RunResult = {
      folder: resolve(out),
      config: runConfig,
      epochs: finished,
      last,
      kept,
      stoppedEarly: keeper.shouldStop() && last.epoch < runConfig.epochs,
      seconds,
      ...(tfjsCheck ? { tfjsCheck } : {}),
    };
    endLog(events, step, finished.length, 'finished');
    emit({ type: 'finished', result });
    return result;
  } catch (error) {
    const stop = explainStop(error, out, finished.length, emit);
    const status = stop instanceof InterruptedError ? 'interrupted' : 'failed';
    endLog(events, step, finished.length, status, (stop as Error).message);
    throw stop;
  } finally {
    companion?.dispose();
    engine?.close?.();
    folder.release();
  }
}

/** The event log's last line: how the run ended. (A log that cannot be written is let be.) */
function endLog(
  events: EventLog | null,
  step: number,
  epoch: number,
  status: EndEvent['status'],
  message?: string,
): void {
  try {
    events?.add({ type: 'end', step, epoch, status, message, time: new Date().toISOString() });
    events?.flush();
  } catch {
    // the run's own error says what went wrong with its folder
  }
}

/** Adds what was saved to a stop's message, and reports the stop as an event. */
function explainStop(
  error: unknown,
  out: string,
  epochs: number,
  emit: (event: RunEvent) => void,
): unknown {
  const saved = epochs
    ? `every finished epoch (${epochs}) is saved in ${out}, model.json as of the last`
    : 'no epoch had finished, so nothing was saved';
  if (error instanceof InterruptedError) {
    const next = epochs ? `; continue with: mnist-softmax train --resume ${out}` : '';
    const message = `${error.message}; ${saved}${next}`;
    emit({ type: 'interrupted', folder: out, epochs, message });
    return new InterruptedError(message);
  }
  emit({ type: 'failed', folder: out, epochs, error });
  if (error instanceof DivergenceError) return new DivergenceError(`${error.message}; ${saved}`);
  return error;
}

/** The data with `valSplit` of its training images held out for validation (if any). */
function withValidation(data: Dataset, options: ResolvedOptions): Dataset {
  if (!(options.valSplit > 0)) return data;
  const { train, validation } = holdOut(data.train, options.valSplit, options.seed);
  if (train.count === 0 || validation.count === 0) {
    throw new UsageError(
      `--val-split ${options.valSplit} of ${data.train.count} training images leaves ` +
        `${train.count} to train on and ${validation.count} to validate on; both need some`,
    );
  }
  return { ...data, train, validation };
}

function datasetSummary(data: Dataset) {
  return {
    name: data.name,
    train: data.train.count,
    validation: data.validation?.count ?? 0,
    test: data.test.count,
    height: data.train.height,
    width: data.train.width,
  };
}

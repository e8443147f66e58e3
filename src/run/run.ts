// The Run API: one training run and its folder, from start (or resume) to report, in phases:
//
//   open     options checked, the folder locked (a resume: its checkpoint read)   openRun.ts
//   prepare  engine, data, network (restored on resume), the folder's files, the event log
//   train    the algorithm (mini-batch or L-BFGS), epoch by epoch …
//   record   … each finished epoch's metrics, model, checkpoint and curves written together
//   report   curves.svg, weights.png and report.html of the model kept; the result
//   close    the event log's end, the model alongside disposed, the engine closed, the folder
//            released (whatever happens)
//
// The CLI, the studio and the library drive runs through `startRun` and read its typed events
// (runEvents.ts); none of them touches a run folder's files themselves.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint, loadDataset, type Dataset } from '../data/dataset.js';
import { cachedFingerprint } from '../data/fingerprintCache.js';
import { DivergenceError, EXIT, InterruptedError, UsageError, UserError } from '../errors.js';
import type { Engine } from '../model/engine.js';
import { parseModel, serializeModel, writeModel, type ModelData } from '../model/modelFile.js';
import { buildNetwork, checkNetworkSize, MNIST_INPUT, type Network } from '../model/network.js';
import type { TextBytes } from '../model/textBytes.js';
import { Random } from '../random.js';
import { CurvesFile } from '../report/curvesFile.js';
import { runCurves } from '../report/series.js';
import type { EndEvent, EpochMetrics } from '../train/records.js';
import { isLearningRate, type RateOverride } from '../train/rates.js';
import { train, type TrainConfig, type TrainHooks, type TrainState } from '../train/trainer.js';
import { createEngine, kernelsOf } from '../wasm/engine.js';
import {
  checkpointFile,
  checkResumeData,
  positionOnly,
  restoreNetwork,
  type TrainingData,
} from './checkpoint.js';
import { epochEvent, EventLog, readEvents } from './eventLog.js';
import { EpochKeeper } from './keep.js';
import { loggedRates, RunControl } from './runControl.js';
import type { WeightSnapshots } from './snapshots.js';
import { writeStepFile } from './stepFile.js';
import { openRun, type OpenedRun } from './openRun.js';
import { type TrainOptions } from './options.js';
import { recordOf } from './optionValues.js';
import { defaultLogEvery } from './optionRules.js';
import {
  datasetSummary,
  describeRun,
  trainConfig,
  withValidation,
  type RunConfig,
} from './runConfig.js';
import type {
  Companion,
  CompanionEpoch,
  RunEvent,
  RunHooks,
  RunPlacement,
  RunResult,
} from './runEvents.js';
import { MetricsHistory, metricsSummary, writeFileAtomic } from './runFiles.js';

export type {
  Companion,
  CompanionEpoch,
  RunConfig,
  RunEvent,
  RunHooks,
  RunPlacement,
  RunResult,
} from './runEvents.js';

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
  checkRates(placement.rates ?? []); // before a folder is made
  const opened = openRun(requested, placement, hooks);
  const live = liveRun(opened, hooks);
  let run: PreparedRun | undefined;
  try {
    const prepared = await prepare(opened, placement, hooks, live);
    run = prepared;
    const seconds = await trainEpochs(prepared, live, hooks, (epoch) =>
      record(prepared, live, epoch),
    );
    const result = await report(prepared, live, seconds);
    endLog(live, 'finished');
    live.emit({ type: 'finished', result });
    return result;
  } catch (error) {
    const stop = explainStop(error, live);
    if (stop instanceof InterruptedError && run) await reportStopped(run, live);
    endLog(
      live,
      stop instanceof InterruptedError ? 'interrupted' : 'failed',
      (stop as Error).message,
    );
    throw stop;
  } finally {
    close(live, opened);
  }
}

/** What a run holds while it goes, and what `close` lets go of whatever happens. */
interface LiveRun {
  out: string;
  emit(event: RunEvent): void;
  /** Every finished epoch's metrics, a resumed run's earlier ones first. */
  finished: EpochMetrics[];
  /** The last step taken (for the event log's end). */
  step: number;
  engine: Engine | null;
  events: EventLog | null;
  companion: Companion | null;
}

function liveRun(opened: OpenedRun, hooks: RunHooks): LiveRun {
  return {
    out: opened.folder.path,
    emit: hooks.onEvent ?? (() => {}),
    finished: [],
    step: opened.checkpoint?.state.step ?? 0,
    engine: null,
    events: null,
    companion: null,
  };
}

/** A run prepared to train: everything the train, record and report phases use. */
type PreparedRun = OpenedRun & {
  data: Dataset;
  config: TrainConfig & { logEvery: number };
  network: Network;
  runConfig: RunConfig;
  trainingData: TrainingData;
  modelData: ModelData;
  history: MetricsHistory;
  keeper: EpochKeeper;
  curves: CurvesFile;
  /** The report's module (and pngjs), loaded while the data is read: only the report needs it. */
  reporting: Promise<typeof import('../report/runReport.js')>;
  tfjsCheck?: { backend: string; epochs: CompanionEpoch[] };
  /** Pause, Step, Resume and rates set by hand; null when none can come (the usual run). */
  control: RunControl | null;
  /** Weight pictures every so many steps, for a run with controls (the studio's slider). */
  snapshots: WeightSnapshots | null;
};

// ---- prepare ----

/**
 * The engine, the data, the network (restored from the checkpoint on a resume), the folder's
 * files and event log opened, the `started` event; then the model to train alongside, if any.
 */
async function prepare(
  opened: OpenedRun,
  placement: RunPlacement,
  hooks: RunHooks,
  live: LiveRun,
): Promise<PreparedRun> {
  const { options, architecture, source, checkpoint, folder } = opened;
  const { out } = live;
  const loadStarted = performance.now();
  // the files are read (by libuv's threads) while the engine starts its own
  const loading = loadDataset(source, {
    trainLimit: options.trainLimit,
    testLimit: options.testLimit,
  });
  loading.catch(() => {}); // awaited below, unless the engine fails first
  const reporting = import('../report/runReport.js'); // meanwhile, as the files are read
  reporting.catch(() => {});
  const engine = createEngine(
    options.engine,
    placement.threads ?? availableParallelism(),
    placement.kernels,
  );
  live.engine = engine;
  const data = withValidation(await loading, options);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const config = configFor(opened, data, hooks);
  const network = networkFor(opened, data, config.batchSize, engine);
  const trainingData = {
    count: data.train.count,
    fingerprint: cachedFingerprint(data.stamps?.train ?? null, () => fingerprint(data.train)),
  };
  if (checkpoint) {
    checkResumeData(checkpoint, trainingData, out);
    restoreNetwork(network, checkpoint.arrays, out);
  }
  const runConfig = describeRun(options, architecture, data, config, network);
  folder.epochFiles.open();
  const history = new MetricsHistory(out);
  live.finished.push(...history.start(checkpoint?.state.epoch ?? 0, checkpoint?.history));
  const keeper = new EpochKeeper(options.keep, options.earlyStop);
  const modelData: ModelData = {
    // a folder as an absolute path: eval and predict find it from anywhere
    source: source.name === source.folder ? resolve(source.folder) : (options.data ?? 'mnist'),
    name: data.name,
    testCount: data.test.count,
    testFingerprint: cachedFingerprint(data.stamps?.test ?? null, () => fingerprint(data.test)),
  };
  if (checkpoint) keeper.restore(live.finished, readFileSync(join(out, 'model.json'), 'utf8'));
  // a resume replays the rates its stopped run set after the checkpoint (read before the cut)
  const replay = checkpoint
    ? loggedRates(out).filter((rate) => rate.step >= checkpoint.state.step)
    : (placement.rates ?? []);
  startLog(live, runConfig, checkpoint?.state.epoch ?? 0);
  const set = checkpoint?.rates ?? [];
  const control =
    hooks.controls || replay.length > 0 || set.length > 0
      ? new RunControl(
          [...set],
          replay,
          (line) => {
            live.events!.add(line);
            live.events!.flush(); // at once: a paused run adds nothing that would flush it
          },
          () => hooks.shouldStop?.() ?? false,
          hooks.controls,
        )
      : null;
  live.emit({
    type: 'started',
    folder: out,
    config: runConfig,
    dataset: datasetSummary(data),
    loadSeconds,
    resumedAfter: checkpoint?.state.epoch ?? 0,
    epochs: runConfig.epochs,
  });
  live.companion =
    options.checkTfjs && hooks.companion ? await hooks.companion(network, config) : null;
  const tfjsCheck = live.companion
    ? { backend: live.companion.backend, epochs: [] as CompanionEpoch[] }
    : undefined;
  const curves = new CurvesFile((svg) => writeFileAtomic(join(out, 'curves.svg'), svg));
  return {
    ...opened,
    data,
    config,
    network,
    runConfig,
    trainingData,
    modelData,
    history,
    keeper,
    curves,
    reporting,
    tfjsCheck,
    control,
    snapshots: hooks.controls
      ? new (await import('./snapshots.js')).WeightSnapshots(out, live.step)
      : null,
  };
}

/** Rates to replay as the library gives them: each a whole step ≥ 0 and a rate > 0. */
function checkRates(rates: RateOverride[]): void {
  for (const [i, rate] of rates.entries()) {
    if (!(Number.isSafeInteger(rate?.step) && rate.step >= 0 && isLearningRate(rate.lr))) {
      throw new UsageError(`rates[${i}]: not a whole step ≥ 0 and a learning rate > 0`);
    }
  }
}

/** The algorithm's configuration for this data: a batch larger than the data is the data. */
function configFor(opened: OpenedRun, data: Dataset, hooks: RunHooks) {
  const { options } = opened;
  // the buffers are sized by the batch
  const batchSize = Math.min(options.batchSize, data.train.count);
  if (batchSize < options.batchSize && options.optimizer !== 'lbfgs') {
    hooks.warn?.(
      `warning: --batch-size ${options.batchSize} is more than the ${data.train.count} ` +
        `training images: batches of ${batchSize}`,
    );
  }
  return {
    ...trainConfig(options),
    batchSize,
    logEvery: options.logEvery ?? defaultLogEvery(data.train.count, batchSize),
  };
}

/** The network for this data, refused before it is built if it would not fit. */
function networkFor(opened: OpenedRun, data: Dataset, batchSize: number, engine: Engine) {
  const { architecture, options } = opened;
  const input = { ...MNIST_INPUT, height: data.train.height, width: data.train.width };
  checkNetworkSize(input.height * input.width, data.classes.length, architecture, batchSize);
  return buildNetwork(input, data.classes, architecture, new Random(options.seed), engine);
}

/** The event log opened (cut back to the checkpoint's step on a resume) and its start line. */
function startLog(live: LiveRun, config: RunConfig, epoch: number): void {
  const { step } = live;
  live.events = new EventLog(live.out);
  live.events.start(step);
  const time = new Date().toISOString();
  live.events.add({ type: 'start', step, epoch, config, pid: process.pid, time });
  live.events.flush();
}

// ---- train ----

/** An epoch finished by the algorithm: its metrics, the state to continue from, whether to save. */
interface FinishedEpoch {
  metrics: EpochMetrics;
  /** null: the algorithm cannot continue from a saved state (L-BFGS). */
  state: TrainState | null;
  save: boolean;
}

/**
 * The training algorithm, mini-batch or L-BFGS, to the end or to a stop; `record` takes each
 * finished epoch and says whether to stop early. Returns the seconds it took.
 */
async function trainEpochs(
  run: PreparedRun,
  live: LiveRun,
  hooks: RunHooks,
  record: (epoch: FinishedEpoch) => boolean,
): Promise<number> {
  const { options, network, data, config, checkpoint } = run;
  const events = live.events!;
  const { control, snapshots } = run;
  const trainHooks: TrainHooks = {
    ...(control
      ? {
          beforeBatch: (step, scheduled) => control.beforeBatch(step, scheduled),
          // a step taken by Step is laid open in step.json, for the studio's step view
          inspect: () => control.stepping,
          onInside: (inside) => writeStepFile(live.out, inside),
        }
      : {}),
    afterBatch: (batch, progress) => {
      live.step = progress.step;
      snapshots?.afterStep(progress.step, network);
      live.companion?.step(batch, progress.learningRate);
      live.emit({ type: 'step', progress });
    },
    onLog: (log) => {
      events.add({ type: 'step', ...log });
      live.emit({ type: 'log', log });
    },
    afterEpoch: (metrics, state, save) => record({ metrics, state, save }),
    shouldStop: hooks.shouldStop,
  };
  const started = performance.now();
  if (options.optimizer === 'lbfgs') {
    const iterations = options.epochs;
    const { trainLbfgs } = await import('../train/lbfgs.js');
    await trainLbfgs(network, data, { iterations, weightDecay: options.weightDecay }, trainHooks);
  } else {
    await train(network, data, config, trainHooks, checkpoint?.state);
  }
  return (performance.now() - started) / 1000;
}

// ---- record ----

/**
 * A finished epoch recorded: the history and the event log get its line; with `save`, its model
 * (the one kept), checkpoint and metrics are committed together, and the curves redrawn. The
 * model trained alongside is compared. Returns whether to stop early.
 */
function record(run: PreparedRun, live: LiveRun, { metrics, state, save }: FinishedEpoch): boolean {
  const { network, runConfig, modelData, keeper, history, tfjsCheck, folder, options } = run;
  live.step = metrics.steps;
  const companion = live.companion;
  const check = companion?.endEpoch(metrics.epoch, metrics.trainLoss);
  if (check) tfjsCheck!.epochs.push(check);
  live.finished.push(metrics);
  const training = {
    ...runConfig,
    epochsRun: metrics.epoch,
    final: metrics,
    kept: { rule: keeper.rule, epoch: metrics.epoch },
  };
  keeper.offer(metrics, () => serializeModel(network, training, modelData));
  history.append(check ? { ...metrics, tfjsCheck: { ...check } } : metrics);
  live.events!.add(epochEvent(metrics));
  live.events!.flush();
  if (save) {
    const cross = tfjsCheck ? { tfjsCheck: { backend: tfjsCheck.backend, last: check } } : {};
    // how the run was computed, not one of its options: a resume may run other kernels
    const kernels = live.engine ? kernelsOf(live.engine) : null;
    folder.epochFiles.commit(metrics.epoch, [
      // written into the file as it is formatted, while the network holds this epoch
      [
        'model.json',
        keeper.model(() => (out: TextBytes) => writeModel(out, network, training, modelData)),
      ],
      checkpointFile(
        recordOf(options),
        options.engine,
        run.trainingData,
        state ?? positionOnly(metrics.epoch, metrics.steps),
        network,
        run.control?.overridesUpTo(metrics.steps),
      ),
      [
        'metrics.json',
        metricsSummary(runConfig, metrics, { kept: keeper.kept, kernels, ...cross }),
      ],
    ]);
    run.curves.drawAfterEpoch(live.finished);
  }
  live.emit({ type: 'epoch', metrics, check });
  if (check && !(check.maxAbsWeightDiff <= companion!.maxWeightDrift)) {
    throw new UserError(
      `--check-tfjs: after epoch ${metrics.epoch} the weights differ from tfjs by ` +
        `${check.maxAbsWeightDiff.toExponential(2)}, more than ${companion!.maxWeightDrift}`,
      EXIT.failed,
    );
  }
  return keeper.shouldStop();
}

// ---- report ----

/** The curves drawn once more, weights.png and report.html of the model kept; the result. */
async function report(run: PreparedRun, live: LiveRun, seconds: number): Promise<RunResult> {
  const { out, finished } = live;
  const { reportFiles } = await run.reporting;
  const { keeper, runConfig, tfjsCheck } = run;
  run.curves.draw(finished);
  const stepCurves = runCurves(readEvents(out), finished);
  const { kept } = keeper;
  const last = finished[finished.length - 1];
  // the report shows the model kept, which is not the last epoch's when an earlier was better
  const keptNetwork =
    kept.epoch === last.epoch
      ? run.network
      : parseModel(readFileSync(join(out, 'model.json'), 'utf8'), 'model.json', live.engine!)
          .network;
  for (const [name, contents] of reportFiles(
    runConfig,
    finished,
    stepCurves,
    keptNetwork,
    run.data.test,
  )) {
    writeFileAtomic(join(out, name), contents);
  }
  return {
    folder: resolve(out),
    config: runConfig,
    epochs: finished,
    last,
    kept,
    stoppedEarly: keeper.shouldStop() && last.epoch < runConfig.epochs,
    seconds,
    ...(tfjsCheck ? { tfjsCheck } : {}),
  };
}

/**
 * A stopped run's report (Stop in the studio, Ctrl-C): report.html and weights.png of the model
 * saved (model.json, as of a finished epoch), marked "stopped after epoch e, batch b", where b is
 * the batches taken in the epoch that did not finish ("stopped after epoch e" between two
 * epochs). No finished epoch: nothing to report. A
 * report that cannot be written is let be: the stop's own message says what was saved.
 */
async function reportStopped(run: PreparedRun, live: LiveRun): Promise<void> {
  const { out, finished } = live;
  const last = finished[finished.length - 1];
  if (!last || !live.engine) return;
  const batch = live.step - last.steps;
  const note = `stopped after epoch ${last.epoch}${batch > 0 ? `, batch ${batch}` : ''}`;
  try {
    const { reportFiles } = await run.reporting;
    run.curves.draw(finished);
    const saved = parseModel(
      readFileSync(join(out, 'model.json'), 'utf8'),
      'model.json',
      live.engine,
    );
    const stepCurves = runCurves(readEvents(out), finished);
    const files = reportFiles(
      run.runConfig,
      finished,
      stepCurves,
      saved.network,
      run.data.test,
      note,
    );
    for (const [name, contents] of files) writeFileAtomic(join(out, name), contents);
  } catch {
    // the interruption's message says what was saved; the report is a bonus
  }
}

// ---- close ----

/** Whatever happened: the model alongside disposed, the engine closed, the folder released. */
function close(live: LiveRun, opened: OpenedRun): void {
  live.companion?.dispose();
  live.engine?.close?.();
  opened.folder.release();
}

/** The event log's last line: how the run ended. (A log that cannot be written is let be.) */
function endLog(live: LiveRun, status: EndEvent['status'], message?: string): void {
  const { events, step } = live;
  const epoch = live.finished.length;
  try {
    events?.add({ type: 'end', step, epoch, status, message, time: new Date().toISOString() });
    events?.flush();
  } catch {
    // the run's own error says what went wrong with its folder
  }
}

/** Adds what was saved to a stop's message, and reports the stop as an event. */
function explainStop(error: unknown, live: LiveRun): unknown {
  const { out, emit } = live;
  const epochs = live.finished.length;
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

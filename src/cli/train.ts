// `mnist-softmax train`: options → data → network → training loop → run folder.

import { relative } from 'node:path';
import type { Network } from '../model/network.js';
import { EXIT } from '../errors.js';
import { OPTIONS, type TrainOptions } from '../run/options.js';
import { libraryOption } from '../run/optionValues.js';
import type { ControlChannel } from '../run/runControl.js';
import { startRun, type Companion, type CompanionEpoch, type RunEvent } from '../run/run.js';
import type { EpochMetrics } from '../train/records.js';
import type { TrainConfig } from '../train/trainer.js';
import { grouped, plural } from '../numbers.js';
import type { KernelChoice } from '../wasm/kernelChoice.js';
import { epochLine } from './epochLine.js';
import { columnsOf, dotAxis, dotPlot, percent, wrap } from './format.js';
import { EpochProgress } from './progress.js';

/** The command line's options: the library's, where the run goes, and what is printed. */
export interface TrainCommandOptions extends TrainOptions {
  out?: string;
  force: boolean;
  resume?: string;
  progress: boolean;
  json: boolean;
  threads: number;
  kernels: KernelChoice;
}

/**
 * Prints a run's events: the header on stderr, a progress bar, one line per epoch, as wide as
 * the terminal it goes to (when it goes to one). `stopProgress` removes the bar for good.
 */
function printEvents(options: TrainCommandOptions) {
  const stream = options.json ? process.stderr : process.stdout;
  const log = (line: string) => (options.json ? console.error(line) : console.log(line));
  const width = columnsOf(stream);
  const note = (line: string) => console.error(wrap(line, columnsOf(process.stderr)));
  let progress = new EpochProgress(false, 0);
  let epochs = 0;
  let showRate = false;
  /** The training time of the epochs run here (metrics' `seconds`: no test pass, no files). */
  let trainingSeconds = 0;
  const stopProgress = () => progress.stop();
  const onEvent = (event: RunEvent) => {
    if (event.type === 'started') {
      const { dataset: data, config } = event;
      note(
        `${data.name}: ${grouped(data.train)} training` +
          (data.validation ? `, ${grouped(data.validation)} validation (held out)` : '') +
          ` and ${plural(data.test, 'test image')} of ` +
          `${data.height}×${data.width}, loaded in ${event.loadSeconds.toFixed(2)} s`,
      );
      const training =
        config.optimizer === 'lbfgs'
          ? `lbfgs (full batch), at most ${plural(config.epochs, 'iteration')}`
          : `${config.optimizer} at ${config.learningRate}` +
            (config.lrSchedule === 'constant' ? '' : ` (${config.lrSchedule} schedule)`) +
            `, ${config.steps === null ? plural(config.epochs, 'epoch') : plural(config.steps, 'step')}` +
            ` of batches of ${config.batchSize}`;
      note(`model ${config.model}, ${config.loss} loss, ${training}`);
      if (event.resumedAfter) {
        note(`--resume: continuing ${event.folder} after epoch ${event.resumedAfter}`);
      }
      epochs = event.epochs;
      progress = new EpochProgress(options.progress, epochs);
      showRate = config.lrSchedule !== 'constant'; // (L-BFGS: its step)
    } else if (event.type === 'step') {
      progress.update(event.progress);
    } else if (event.type === 'epoch') {
      progress.endEpoch();
      trainingSeconds += event.metrics.seconds;
      const check = event.check ? tfjsCheckText(event.check) : '';
      log(epochLine(event.metrics, epochs, showRate, width, check));
    } else if (event.type !== 'log') {
      progress.endEpoch(); // the run ended (a line of the event log is not an end)
    }
  };
  return { onEvent, stopProgress, trainingSeconds: () => trainingSeconds };
}

/** `given`: the options set on the command line (not by default). */
export async function trainCommand(
  options: TrainCommandOptions,
  given: ReadonlySet<string> = new Set(),
): Promise<void> {
  const warn = (message: string) => console.error(wrap(message, columnsOf(process.stderr)));
  const display = printEvents(options);
  const stop = interruptOnSignals(display.stopProgress);
  try {
    const placement = {
      out: options.out,
      force: options.force,
      resume: options.resume,
      epochs: options.resume && given.has('epochs') ? options.epochs : undefined,
      threads: options.threads,
      kernels: options.kernels,
    };
    const result = await startRun(runOptionsOf(options, given), placement, {
      onEvent: display.onEvent,
      shouldStop: stop.requested,
      companion: startCompanion,
      warn,
      ...(process.send ? { controls: parentChannel() } : {}),
    });
    const { last } = result;
    if (options.json) {
      const { epochs, seconds, tfjsCheck } = result;
      const kept = epochs.find((m) => m.epoch === result.kept.epoch) ?? last;
      const json = {
        testAccuracy: kept.testAccuracy,
        testLoss: kept.testLoss,
        kept: result.kept,
        epochs,
      };
      const out = { ...json, out: result.folder, seconds, ...(tfjsCheck ? { tfjsCheck } : {}) };
      process.stdout.write(JSON.stringify(out) + '\n');
      return;
    }
    const say = (line: string) => console.log(wrap(line, columnsOf(process.stdout)));
    const rows = result.epochs.map((m) => dot(m));
    const axis = dotAxis(rows.map((row) => 100 * row.value));
    say(`\ntest accuracy per epoch (axis from ${axis.lowText} to ${axis.highText}):`);
    console.log(dotPlot(rows, columnsOf(process.stdout), axis));
    const kept = result.epochs.find((m) => m.epoch === result.kept.epoch) ?? last;
    if (result.stoppedEarly) {
      say(
        `\nstopped early: no better validation accuracy in the last ${plural(last.epoch - kept.epoch, 'epoch')}`,
      );
    }
    if (kept !== last) {
      say(
        `\nmodel.json keeps epoch ${kept.epoch}, the best validation accuracy ` +
          `(${percent(kept.validationAccuracy!)}; epoch ${last.epoch}: ${percent(last.validationAccuracy!)})`,
      );
    }
    say(
      `\ntest accuracy ${percent(kept.testAccuracy)} (loss ${kept.testLoss.toFixed(4)}) ` +
        `after ${plural(last.steps, 'step')}, ${display.trainingSeconds().toFixed(2)} s of ` +
        `training (${process.uptime().toFixed(1)} s in all); run saved to ` +
        `${placement.resume ?? relativeFolder(result.folder, options.out)} ` +
        '(report.html, weights.png, curves.svg, metrics, model.json)',
    );
  } finally {
    stop.release();
  }
}

/**
 * What the command line passes to the run: the options given on it (the others take the same
 * defaults in the run), of the run and the process (not where it goes, nor what is printed).
 * The run warns of those it would ignore. A resume brings its own: only an engine asked for now.
 */
function runOptionsOf(options: TrainCommandOptions, given: ReadonlySet<string>) {
  const passed: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    if (!libraryOption(spec) || !given.has(spec.name)) continue;
    if (options.resume && spec.name !== 'engine') continue;
    const value = (options as unknown as Record<string, unknown>)[spec.name];
    if (value !== undefined) passed[spec.name] = value;
  }
  return passed as Partial<TrainOptions>;
}

function dot(metrics: EpochMetrics) {
  const text = percent(metrics.testAccuracy);
  return { label: String(metrics.epoch), value: metrics.testAccuracy, text };
}

/** The folder as the user named it, or the default one relative to the working directory. */
function relativeFolder(folder: string, out: string | undefined): string {
  return out ?? relative(process.cwd(), folder);
}

function tfjsCheckText(check: CompanionEpoch): string {
  return (
    `tfjs: max |Δw| ${check.maxAbsWeightDiff.toExponential(2)}` +
    ` |Δloss| ${check.lossDiff.toExponential(2)}`
  );
}

/** Loads tfjs (only now: plain `train` never pays for it) and builds the shadow model. */
async function startCompanion(network: Network, config: TrainConfig): Promise<Companion> {
  const { loadTfjs } = await import('../check/tfjs.js');
  const { TfjsShadow, MAX_WEIGHT_DRIFT } = await import('../check/tfjsShadow.js');
  const oracle = await loadTfjs();
  const line = `--check-tfjs: training the same model in ${oracle.backend} alongside`;
  console.error(wrap(line, columnsOf(process.stderr)));
  const shadow = new TfjsShadow(oracle, network, config);
  return {
    backend: oracle.backend,
    maxWeightDrift: MAX_WEIGHT_DRIFT,
    step: (batch, learningRate) => shadow.step(batch, learningRate),
    endEpoch: (epoch, trainLoss) => shadow.endEpoch(epoch, trainLoss),
    dispose: () => shadow.dispose(),
  };
}

/**
 * Controls from the process that started this one with an IPC channel (the studio, runs.ts):
 * messages { action, lr? } in, { type: 'control', step, paused, lr } out. The channel does not
 * keep the process alive; a parent gone resumes a paused run and ends the controls.
 */
function parentChannel(): ControlChannel {
  return {
    listen: (listener) => {
      process.on('message', listener);
      // a studio gone (crashed: one that closes stops its runs) leaves no run paused for ever
      process.on('disconnect', () => listener({ action: 'resume' }));
      process.channel?.unref(); // after the listeners, which ref it
    },
    publish: (state) => {
      if (process.connected) process.send!({ type: 'control', ...state }, undefined, {}, () => {});
    },
  };
}

/**
 * SIGINT, SIGTERM and SIGHUP (the terminal closed) ask the training to stop after its current
 * batch (it then exits 130 with every finished epoch saved, its folder settled and unlocked; an
 * epoch's last batch is followed by its evaluation and save, and the last epoch's by the run's
 * normal end); a second signal quits at once. After SIGHUP stderr may be gone too: its errors are let be. Every file is written to a
 * temporary name and renamed, so quitting at any moment leaves no half-written file.
 */
function interruptOnSignals(beforeMessage: () => void) {
  let requested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP') process.stderr.on('error', () => {});
    beforeMessage(); // the progress bar goes first, or the message would be drawn over
    if (requested) {
      console.error(`\n${signal} again: quitting now`);
      process.exit(EXIT.interrupted);
    }
    requested = true;
    const message = `${signal}: stopping after this batch (again to quit at once)`;
    console.error(`\n${wrap(message, columnsOf(process.stderr))}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    requested: () => requested,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}

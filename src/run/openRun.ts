// A run's first phase: its options checked and its folder locked, before any data is read.

import { resolveDataSource } from '../data/dataset.js';
import { EXIT, UsageError, UserError } from '../errors.js';
import { checkArchitecture } from '../model/network.js';
import { plural } from '../numbers.js';
import type { TrainState } from '../train/trainer.js';
import { readResumePoint } from './checkpoint.js';
import { RUN_DEFAULTS, type TrainOptions } from './options.js';
import { checkOptions, libraryOption, OptionValueError, recordOf } from './optionValues.js';
import { optionWarnings, resolveOptions, type ResolvedOptions } from './optionRules.js';
import { architectureOf } from './runConfig.js';
import type { RunHooks, RunPlacement } from './runEvents.js';
import { openRunFolder } from './runFolder.js';
import type { EngineName } from '../wasm/engineNames.js';

/** A run opened: its options as it uses them, its data's source, its folder (locked). */
export type OpenedRun = ReturnType<typeof openRun>;

/**
 * The options checked and the folder locked, before any data is read. A new run's options are
 * checked before its folder is made; a resumed run's folder is locked before its checkpoint is
 * read (a run still writing it holds the lock), and its saved options apply; a run with
 * nothing left to train is refused, its files untouched.
 */
export function openRun(requested: unknown, placement: RunPlacement, hooks: RunHooks) {
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
    const resumed = resumedOptions(saved, checkpoint.engine, given, placement.resume, hooks);
    refuseFinished(placement.resume, resumed, checkpoint.state);
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
 * the option, takes its default), and the engine asked for now, else the one it trained with
 * (`engine`, the checkpoint's). A checkpoint written before the record kept only the run's own
 * options also holds the command line's (out, force, threads, engine …): they are checked, and
 * only the engine is taken from them.
 */
function resumedOptions(
  saved: unknown,
  engine: EngineName | undefined,
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
    engine: given.engine ?? engine ?? checked.engine ?? RUN_DEFAULTS.engine,
    checkTfjs: false,
  } as TrainOptions);
}

/** Refuses to resume a run that has taken all its epochs (or its `--steps`): nothing to train. */
function refuseFinished(folder: string, options: ResolvedOptions, done: TrainState): void {
  const { steps, epochs } = options;
  if (steps !== undefined && done.step >= steps) {
    throw new UsageError(`--resume ${folder}: already finished its ${plural(steps, 'step')}`);
  }
  if (steps === undefined && done.epoch >= epochs) {
    throw new UsageError(
      `--resume ${folder}: already finished its ${plural(done.epoch, 'epoch')}; pass ` +
        `--epochs N (more than ${done.epoch}) to train it further`,
    );
  }
}

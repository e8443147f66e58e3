// What a run tells its caller, and what its caller gives it: where it goes (RunPlacement), hooks
// (events, a stop, a model trained alongside, warnings), and the result. The CLI, the studio and
// the library read these; none of them touches a run folder's files themselves.

import type { Batch } from '../model/batches.js';
import type { Network } from '../model/network.js';
import type { EpochMetrics, StepLog } from '../train/records.js';
import type { BatchProgress, TrainConfig } from '../train/trainer.js';
import type { Kept } from './keep.js';
import type { KernelChoice } from '../wasm/kernelChoice.js';
import type { RunConfig } from './runConfig.js';
import type { ControlChannel } from './runControl.js';
import type { RateOverride } from '../train/rates.js';

export type { RunConfig };

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
  /** The wasm engine's kernels (default: auto); metrics.json says which ran. */
  kernels?: KernelChoice;
  /**
   * Learning rates to set at their steps, as if set by hand then (a replay of a log's control
   * lines: runControl.ts loggedRates). Not with `resume`, which replays its own.
   */
  rates?: RateOverride[];
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
  /**
   * Checked before each batch: true stops the run before it (InterruptedError, finished epochs
   * kept); an epoch whose batches have all run is evaluated and saved first.
   */
  shouldStop?(): boolean;
  /** Builds a model to train alongside (the tfjs cross-check), once the network exists. */
  companion?(network: Network, config: TrainConfig): Promise<Companion>;
  /** Pause, Step, Resume and learning rates from outside (the studio), between batches. */
  controls?: ControlChannel;
  /** Messages for the person running it (a resumed cross-check that does not continue). */
  warn?(message: string): void;
}

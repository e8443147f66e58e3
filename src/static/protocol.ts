// The messages between the static studio's page (src/web/static.ts) and its training worker
// (worker.ts). Types only: both sides import them, neither imports the other.

import type { ExplainAnswer, StepAnswer } from '../check/stepAnswers.js';
import type { ActivationName } from '../model/activations.js';
import type { EpochMetrics, SteppedBatch, StepLog } from '../train/records.js';

export type { EpochMetrics, EventLine } from '../train/records.js';

/** What the page asks for a run: a few of `train`'s options (absent: `train`'s defaults). */
export interface StaticRunOptions {
  /** Hidden layer sizes; empty: softmax regression. */
  hidden: number[];
  optimizer: 'sgd' | 'momentum' | 'adam';
  learningRate: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** The lessons' arms set these (web/staticLessons.ts); their types as the trainer's. */
  loss?: 'cross-entropy' | 'mse';
  activation?: ActivationName;
  batchnorm?: boolean;
  init?: 'auto' | 'zeros' | 'xavier' | 'he';
  schedule?: 'constant' | 'step' | 'cosine';
  /** Stop after this many steps in all. */
  steps?: number;
  /** Steps between step logs (default 20). */
  logEvery?: number;
}

/** The step view's sample: a test image of the shipped set, or a drawing and its class. */
export type StepSample = { index: number } | { pixels: number[]; label: number };

export type ToWorker =
  | { type: 'start'; options: StaticRunOptions }
  | { type: 'pause' }
  | { type: 'resume' }
  /** One batch, then paused again; its inside is posted (`inside`) before `paused`. */
  | { type: 'step' }
  | { type: 'stop' }
  /** The run's learning rate from its next step on (trainer.ts beforeBatch). */
  | { type: 'learningRate'; value: number }
  /** 28 × 28 pixels 0–255, prepared as `predict` prepares a picture (data/prepare.ts). */
  | { type: 'classify'; pixels: number[] }
  /**
   * The step view (stepCopies.ts): the sample on the view's copy of the network (`reset`: a
   * fresh copy first), or that sample's step applied to the copy; answered by `id`.
   */
  | { type: 'explain'; id: number; sample: StepSample; reset: boolean }
  | { type: 'explainStep'; id: number; sample: StepSample };

export type FromWorker =
  /** The data and kernels are loaded: which engine trains, on how many threads and images. */
  | { type: 'ready'; engine: string; threads: number; trainCount: number; testCount: number }
  | { type: 'log'; log: StepLog }
  | { type: 'epoch'; metrics: EpochMetrics }
  /**
   * The run ended; `model`: its model.json (null if it failed before an epoch); `steps`: the
   * steps it took.
   */
  | {
      type: 'end';
      status: 'finished' | 'stopped' | 'failed';
      message?: string;
      model: string | null;
      steps: number;
    }
  | { type: 'paused'; step: number }
  /** The inside of the step that `step` let go (train/batchInside.ts), as a run's step.json. */
  | { type: 'inside'; record: SteppedBatch }
  | { type: 'prediction'; label: string; probabilities: number[] }
  /** The answer to the step view's question `id`, or why there is none. */
  | { type: 'explanation'; id: number; answer: ExplainAnswer }
  | { type: 'stepped'; id: number; answer: StepAnswer }
  | { type: 'unanswered'; id: number; error: string }
  | { type: 'error'; message: string };

/** static-data.json: what `studio --static` wrote beside the page. */
export interface StaticDataInfo {
  name: string;
  classes: string[];
  height: number;
  width: number;
  trainCount: number;
  testCount: number;
  /** dataset.ts fingerprint() of the test split, for model.json's "data". */
  testFingerprint: string;
}

/** The raw files beside the page: images as count × height × width bytes, labels as bytes. */
export const STATIC_FILES = {
  info: 'static-data.json',
  trainImages: 'train-images.bin',
  trainLabels: 'train-labels.bin',
  testImages: 'test-images.bin',
  testLabels: 'test-labels.bin',
  kernels: 'kernels.wasm',
  worker: 'static-worker.js',
  /** A thread of the training worker's pool (threadWorker.ts). */
  thread: 'static-thread.js',
} as const;

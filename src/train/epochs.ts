// One epoch's bookkeeping, shared by mini-batch training (trainer.ts) and L-BFGS (lbfgs.ts): what
// the epoch's training measured, and the evaluation on the test set (and the validation split)
// after it, made into the epoch's metrics.
//
//   samplesPerSecond = samples / seconds   (samples: every training image each pass went through)

import type { Dataset } from '../data/dataset.js';
import type { Network } from '../model/network.js';
import { evaluate } from './evaluate.js';
import type { LossName } from './losses.js';
import type { EpochMetrics } from './records.js';

/** What an epoch's training measured, before any evaluation. */
export interface EpochTraining {
  epoch: number;
  /** Mean loss and accuracy on the training images, as the epoch trained on them. */
  trainLoss: number;
  trainAccuracy: number;
  seconds: number;
  /** Training images the epoch's passes went through (L-BFGS: one pass per trial step). */
  samples: number;
  /** Steps so far in the run (L-BFGS: iterations). */
  steps: number;
  learningRate: number;
  /** The first step's rate, where it differs from the last's. */
  firstLearningRate?: number;
  /** Mean ‖∂L/∂W‖₂ of each dense layer over the epoch. */
  gradientNorms: number[];
}

export interface EpochEvaluation {
  /** The loss the model trains on (default cross-entropy). */
  loss?: LossName;
  batchSize?: number;
  /** false: no evaluation (the test figures are NaN; `bench` times training alone). */
  evaluate?: boolean;
}

/** The epoch's metrics: its training's figures, the test set's and the validation split's. */
export function epochMetrics(
  network: Network,
  data: Dataset,
  training: EpochTraining,
  how: EpochEvaluation = {},
): EpochMetrics {
  const evaluating = how.evaluate !== false;
  const test = evaluating
    ? evaluate(network, data.test, how.batchSize, how.loss)
    : { loss: NaN, accuracy: NaN };
  const validation =
    evaluating && data.validation
      ? evaluate(network, data.validation, how.batchSize, how.loss)
      : null;
  return {
    epoch: training.epoch,
    trainLoss: training.trainLoss,
    trainAccuracy: training.trainAccuracy,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    seconds: training.seconds,
    samplesPerSecond: training.samples / training.seconds,
    steps: training.steps,
    learningRate: training.learningRate,
    ...(training.firstLearningRate === undefined
      ? {}
      : { firstLearningRate: training.firstLearningRate }),
    gradientNorms: training.gradientNorms,
    ...(validation
      ? { validationLoss: validation.loss, validationAccuracy: validation.accuracy }
      : {}),
  };
}

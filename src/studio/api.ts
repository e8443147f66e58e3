// What the studio's JSON API answers, as types: the page (src/web/studio.ts) reads them too, so
// nothing here imports Node.js.

import type { RunStatus } from '../train/records.js';

/** A run folder the studio cannot read (a file damaged or linking out) is `unreadable`. */
export type StudioStatus = RunStatus | 'queued' | 'starting' | 'unreadable';

export interface RunSummary {
  id: string;
  status: StudioStatus;
  /** A run started here, paused by its controls (runControl.ts): its status stays `running`. */
  paused: boolean;
  message?: string;
  config: Record<string, unknown>;
  epochs: number;
  steps: number;
  /**
   * The steps taken so far: the last in its event log, or its controls' (a paused run's), if
   * later; grows while it trains (the list changes with it).
   */
  lastStep: number;
  testAccuracy: number | null;
  testLoss: number | null;
  /** When it started (ms since 1970): the list is newest first by it. */
  started: number;
  /** Started from the studio (and so stoppable from it). */
  startedHere: boolean;
  /**
   * Its folder holds a log: its curves, comparison and pictures can be asked for. Not while it
   * is queued or starting, nor for a run started here that ended before writing one (stopped
   * or failed as it started).
   */
  logged: boolean;
}

export interface RunEvaluation {
  classes: string[];
  accuracy: number;
  loss: number;
  count: number;
  confusion: number[][];
  /** The first test images the model gets wrong: pixels as base64 bytes, row-major. */
  misclassified: { index: number; label: string; predicted: string; pixels: string }[];
  height: number;
  width: number;
}

/** GET /api/runs/:id/step: the last step a run took by Step, laid open (its step.json). */
export type { SteppedBatch, SteppedParameter } from '../train/records.js';
/** The step view's answers (check/stepCopy.ts: on the server, or in the static page's worker). */
export type { ExplainAnswer, StepAnswer } from '../check/stepAnswers.js';

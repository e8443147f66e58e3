// events.jsonl: a run's event log, one JSON object a line, appended while it trains:
//
//   {"type": "start", "step", "epoch", "config": {...}, "pid", "time"}   (at the start and at
//                                               each resume: the run's configuration)
//   {"type": "step", "step", "epoch", "epochFraction", "loss", "accuracy", "learningRate",
//    "gradientNorms": [...], "weightNorms": [...], "saturation": [...], "preActivationMean":
//    [...], "preActivationSd": [...], "activationSlope": [...]}   (a StepLog, every `logEvery`
//                                               steps of an epoch and after its last)
//   {"type": "epoch", "step", "epoch", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy"}
//                                               (after each epoch's test pass)
//   {"type": "control", "step", "action", "lr"?}   (a pause, resume, single step or learning rate
//                                               from the studio, before the step it affects;
//                                               runControl.ts)
//   {"type": "end", "step", "epoch", "status", "message"?, "time"}
//                                               (finished, interrupted or failed; none after kill -9)
//
// Lines are buffered and appended at most every FLUSH_MS, and always before an epoch's files are
// committed, so a reader (the studio) sees a run grow while it trains. After a crash the log may
// run past the checkpoint, or end in a cut line; a resume cuts it back to the checkpoint's step.

import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UserError } from '../errors.js';
import { readLines } from '../inputFile.js';
import { errorCode } from '../folders.js';
import { writeFileAtomic } from './runFiles.js';
import type { EpochEvent, EpochMetrics, EventLine } from '../train/records.js';
import { parseRecordLine } from './recordLines.js';

export const EVENTS_FILE = 'events.jsonl';

/** How often buffered lines are appended, in milliseconds. */
const FLUSH_MS = 250;

export function epochEvent(metrics: EpochMetrics): EpochEvent {
  const { epoch, trainLoss, trainAccuracy, testLoss, testAccuracy } = metrics;
  const { validationLoss, validationAccuracy } = metrics;
  return {
    type: 'epoch',
    step: metrics.steps,
    epoch,
    trainLoss,
    trainAccuracy,
    testLoss,
    testAccuracy,
    ...(validationAccuracy === undefined ? {} : { validationLoss, validationAccuracy }),
  };
}

/**
 * Calls `onEvent` with each line of a run folder's events.jsonl (none when it has none) up to
 * `lastStep`, a line at a time: memory is bounded whatever the log's size. A line that does not
 * parse (cut by a crash) ends the log; one that parses but is not an event (a damaged file) is
 * refused, naming the file and the line.
 */
export function eachEvent(
  folder: string,
  onEvent: (line: EventLine, number: number) => void,
  lastStep = Infinity,
): void {
  const file = join(folder, EVENTS_FILE);
  if (!existsSync(file)) return;
  readLines(file, (text, number) => {
    if (text.length === 0) return;
    const line = parseRecordLine<EventLine>(text, 'event', file, number);
    if (!line || !(line.step <= lastStep)) return false;
    onEvent(line, number);
  });
}

/** The lines of a run folder's events.jsonl, up to `lastStep` (see eachEvent). */
export function readEvents(folder: string, lastStep = Infinity): EventLine[] {
  const events: EventLine[] = [];
  eachEvent(folder, (line) => events.push(line), lastStep);
  return events;
}

export class EventLog {
  private pending: string[] = [];
  private flushed = performance.now();
  private readonly file: string;

  constructor(private readonly folder: string) {
    this.file = join(folder, EVENTS_FILE);
  }

  /**
   * A new log, or (resuming after `step` steps) the old one cut back to that step: without its
   * end, nor the controls accepted after the checkpoint at that step (a resume replays its rates).
   */
  start(step = 0): void {
    const kept =
      step > 0
        ? readEvents(this.folder, step).filter(
            (line) => line.type !== 'end' && !(line.type === 'control' && line.step === step),
          )
        : [];
    writeFileAtomic(this.file, kept.map((line) => JSON.stringify(line) + '\n').join(''));
  }

  add(line: EventLine): void {
    this.pending.push(JSON.stringify(line) + '\n');
    if (performance.now() - this.flushed >= FLUSH_MS) this.flush();
  }

  flush(): void {
    this.flushed = performance.now();
    if (this.pending.length === 0) return;
    try {
      appendFileSync(this.file, this.pending.join(''));
    } catch (error) {
      throw new UserError(`${this.file}: cannot write (${errorCode(error)})`, EXIT.input);
    }
    this.pending = [];
  }
}

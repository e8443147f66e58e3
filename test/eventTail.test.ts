// The studio's incremental reader of events.jsonl: the same log as readRun reads at once (step
// lines merged into windows past MAX_STEP_LINES), read a piece at a time as the log grows, and
// read again from the start when the log is replaced or cut.

import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventTail } from '../src/studio/eventTail.js';
import { readRun } from '../src/run/runReader.js';
import { temporaryFolder } from './helpers.js';

const START = JSON.stringify({ type: 'start', step: 0, epoch: 0, config: {}, pid: 1, time: 't' });

const line = (step: number, extra: object = {}) =>
  JSON.stringify({
    type: 'step',
    step,
    epoch: 1,
    epochFraction: 0.5,
    loss: 1 / step,
    accuracy: 0.5,
    learningRate: 0.1,
    gradientNorms: [1],
    weightNorms: [2],
    saturation: [],
    ...extra,
  }) + '\n';

const steps = (tail: EventTail) =>
  tail.read().events.flatMap((event) => (event.type === 'step' ? [event.step] : []));

describe('EventTail', () => {
  it('reads what was appended since its last look, a cut last line once it is whole', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    const tail = new EventTail(file);
    expect(tail.read().events).toEqual([]); // no log yet
    writeFileSync(file, START + '\n' + line(1) + line(2));
    expect(steps(tail)).toEqual([1, 2]);
    const third = line(3);
    appendFileSync(file, third.slice(0, 10)); // a line being written
    expect(steps(tail)).toEqual([1, 2]);
    appendFileSync(file, third.slice(10) + line(4));
    expect(steps(tail)).toEqual([1, 2, 3, 4]);
    expect(tail.read().events).toEqual(readRun(folder).events);
  });

  it('keeps what readRun keeps of a long log read in pieces (merged windows, split characters)', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    // 10 MB of lines whose multi-byte characters fall across the 1 MiB pieces somewhere, more
    // step lines than are kept, an epoch line between them
    const text = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, n) => line(from + n + 1, { note: 'é'.repeat(200) }));
    const epoch = JSON.stringify({
      type: 'epoch',
      step: 12_000,
      epoch: 1,
      trainLoss: 1,
      trainAccuracy: 0.5,
      testLoss: 1,
      testAccuracy: 0.5,
    });
    writeFileSync(file, [START + '\n', ...text(0, 12_000), epoch + '\n'].join(''));
    const tail = new EventTail(file);
    tail.read();
    appendFileSync(file, text(12_000, 20_000).join(''));
    const log = tail.read();
    const whole = readRun(folder);
    expect(log.stepStride).toBe(whole.stepStride);
    expect(log.stepStride).toBeGreaterThan(1);
    expect(log.events).toEqual(whole.events);
  });

  it('ends the log at a line that does not parse, refuses one that is not an event', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    writeFileSync(file, line(1) + '{"cut\n' + line(3));
    const tail = new EventTail(file);
    expect(steps(tail)).toEqual([1]);
    appendFileSync(file, line(4));
    expect(steps(tail)).toEqual([1]);
    writeFileSync(join(folder, 'other.jsonl'), line(1) + 'null\n' + line(3));
    const other = new EventTail(join(folder, 'other.jsonl'));
    expect(() => other.read()).toThrow(/other\.jsonl: line 2: not an object \(null\)/);
    expect(() => other.read()).toThrow(/line 2/); // until it is replaced
  });

  it('starts again when the log is replaced (a resume) or cut', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    writeFileSync(file, line(1) + line(2) + line(3));
    const tail = new EventTail(file);
    expect(steps(tail)).toEqual([1, 2, 3]);
    // a resume writes the log cut back to its checkpoint, then renames it into place
    writeFileSync(join(folder, 'next'), line(1) + line(2) + line(7) + line(8));
    renameSync(join(folder, 'next'), file);
    expect(steps(tail)).toEqual([1, 2, 7, 8]);
    writeFileSync(file, line(1)); // shorter, in place
    expect(steps(tail)).toEqual([1]);
  });
});

// The studio's incremental reader of events.jsonl: the same lines as readEvents, read a piece at
// a time as the log grows, and read again from the start when the log is replaced or cut.

import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventTail } from '../src/studio/eventTail.js';
import { readEvents } from '../src/train/eventLog.js';
import { temporaryFolder } from './helpers.js';

const line = (step: number, extra: object = {}) =>
  JSON.stringify({ type: 'step', step, epoch: 1, loss: 1 / step, note: 'ü', ...extra }) + '\n';

describe('EventTail', () => {
  it('reads what was appended since its last look, a cut last line once it is whole', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    const tail = new EventTail(file);
    expect(tail.read()).toEqual([]); // no log yet
    writeFileSync(file, line(1) + line(2));
    expect(tail.read().map((event) => event.step)).toEqual([1, 2]);
    const third = line(3);
    appendFileSync(file, third.slice(0, 10)); // a line being written
    expect(tail.read().map((event) => event.step)).toEqual([1, 2]);
    appendFileSync(file, third.slice(10) + line(4));
    expect(tail.read()).toEqual(readEvents(folder));
    expect(tail.read().map((event) => event.step)).toEqual([1, 2, 3, 4]);
  });

  it('reads a log longer than its piece, with characters split between pieces, as readEvents does', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    // 3 MB of lines whose multi-byte characters fall across the 1 MiB pieces somewhere
    const lines = Array.from({ length: 12_000 }, (_, n) => line(n + 1, { text: 'é'.repeat(100) }));
    writeFileSync(file, lines.join(''));
    const tail = new EventTail(file);
    const events = tail.read();
    expect(events).toHaveLength(12_000);
    expect(events).toEqual(readEvents(folder));
  });

  it('ends the log at a line that is not an event, as readEvents does', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    writeFileSync(file, line(1) + 'null\n' + line(3));
    const tail = new EventTail(file);
    expect(tail.read().map((event) => event.step)).toEqual([1]);
    appendFileSync(file, line(4));
    expect(tail.read().map((event) => event.step)).toEqual([1]);
    writeFileSync(join(folder, 'other.jsonl'), line(1) + '{"type": "step"}\n' + line(3));
    expect(new EventTail(join(folder, 'other.jsonl')).read()).toHaveLength(1);
  });

  it('starts again when the log is replaced (a resume) or cut', () => {
    const folder = temporaryFolder();
    const file = join(folder, 'events.jsonl');
    writeFileSync(file, line(1) + line(2) + line(3));
    const tail = new EventTail(file);
    expect(tail.read()).toHaveLength(3);
    // a resume writes the log cut back to its checkpoint, then renames it into place
    writeFileSync(join(folder, 'next'), line(1) + line(2) + line(7) + line(8));
    renameSync(join(folder, 'next'), file);
    expect(tail.read().map((event) => event.step)).toEqual([1, 2, 7, 8]);
    writeFileSync(file, line(1)); // shorter, in place
    expect(tail.read().map((event) => event.step)).toEqual([1]);
  });
});

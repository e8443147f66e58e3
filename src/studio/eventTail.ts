// A run's events.jsonl as it grows, read from where the last look left off: a studio watching a
// long run parses each appended line once, not the whole log at every change (a 60 MB log took
// seconds a look). The same log as readRun reads at once (runReader.ts): its step lines merged
// into windows (StepWindows, bounded memory), the other lines kept; a line that does not parse
// ends the log, one that parses but is not an event is refused naming the file and the line.
// A last line without its newline waits for it (it is being appended). A log replaced (a resume
// rewrites it, cut back to its checkpoint) or shortened is read again from its start.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError, EXIT, UserError } from '../errors.js';
import { MAX_LINE_BYTES } from '../inputFile.js';
import type { EventLine } from '../train/records.js';
import { parseRecordLine } from '../run/recordLines.js';
import { MAX_OTHER_EVENTS, type RunLog } from '../run/runReader.js';
import { StepWindows } from '../report/stepWindows.js';

/** Bytes read at a time: a long log is read in pieces, never held whole. */
const PIECE = 1 << 20;

export class EventTail {
  private steps = new StepWindows();
  /** The lines besides steps, and the line number of each (to merge them back in order). */
  private others: EventLine[] = [];
  private at: number[] = [];
  /** Lines seen so far (numbered from 1, as readLines numbers them). */
  private lines = 0;
  /** Bytes of the file read so far, and the file they were read from (device:inode). */
  private offset = 0;
  private identity = '';
  /** The start of a line whose newline has not been written yet. */
  private partial: Buffer = Buffer.alloc(0);
  /** A line that does not parse ended the log: nothing after it counts. */
  private ended = false;
  /** A line that is not an event: the log is refused until it is replaced. */
  private problem: UserError | null = null;

  constructor(private readonly file: string) {}

  /** The log as of now (empty while it has no file); throws UserError for a damaged one. */
  read(): RunLog {
    let descriptor: number;
    try {
      descriptor = openSync(this.file, 'r');
    } catch {
      this.restart('');
      return this.log();
    }
    try {
      const stat = fstatSync(descriptor);
      const identity = `${stat.dev}:${stat.ino}`;
      if (identity !== this.identity || stat.size < this.offset) this.restart(identity);
      const piece = Buffer.alloc(Math.min(PIECE, Math.max(0, stat.size - this.offset)));
      while (!this.ended && !this.problem && this.offset < stat.size) {
        const length = readSync(descriptor, piece, 0, piece.length, this.offset);
        if (length === 0) break;
        this.offset += length;
        this.take(piece.subarray(0, length));
      }
    } finally {
      closeSync(descriptor);
    }
    if (this.problem) throw this.problem;
    return this.log();
  }

  private restart(identity: string): void {
    this.steps = new StepWindows();
    this.others = [];
    this.at = [];
    this.lines = 0;
    this.offset = 0;
    this.identity = identity;
    this.partial = Buffer.alloc(0);
    this.ended = false;
    this.problem = null;
  }

  /** The kept lines, steps and others merged back into the log's order. */
  private log(): RunLog {
    const { lines, at } = this.steps;
    const events: EventLine[] = [];
    for (let i = 0, j = 0; i < this.others.length || j < lines.length;) {
      if (j === lines.length || (i < this.others.length && this.at[i] < at[j])) {
        events.push(this.others[i++]);
      } else events.push(lines[j++]);
    }
    return { events, stepStride: this.steps.stride };
  }

  /** Takes the whole lines of `bytes` (after what was left of the last piece). */
  private take(bytes: Buffer): void {
    const text = Buffer.concat([this.partial, bytes]);
    const end = text.lastIndexOf(0x0a);
    this.partial = Buffer.from(text.subarray(end + 1));
    if (this.partial.length > MAX_LINE_BYTES) {
      this.problem = new DataError(
        `${this.file}: line ${this.lines + 1} is longer than ${MAX_LINE_BYTES} bytes`,
      );
      return;
    }
    if (end < 0) return;
    // whole lines only: a newline byte never occurs inside a UTF-8 character
    for (const line of text.toString('utf8', 0, end).split('\n')) {
      this.lines += 1;
      if (line.length > 0 && !this.add(line)) return;
    }
  }

  /** One line of the log; false when it ends the log or is refused. */
  private add(text: string): boolean {
    let event: EventLine | null;
    try {
      event = parseRecordLine<EventLine>(text, 'event', this.file, this.lines);
    } catch (error) {
      this.problem = error as UserError;
      return false;
    }
    if (!event) {
      this.ended = true; // cut by a crash: the log ends here, as readRun reads it
      return false;
    }
    if (event.type === 'step') {
      this.steps.add(event, this.lines);
      return true;
    }
    if (this.others.length === MAX_OTHER_EVENTS) {
      this.problem = new UserError(
        `${this.file}: more than ${MAX_OTHER_EVENTS} lines of starts, epochs and ends; ` +
          'not the log of a run',
        EXIT.input,
      );
      return false;
    }
    this.others.push(event);
    this.at.push(this.lines);
    return true;
  }
}

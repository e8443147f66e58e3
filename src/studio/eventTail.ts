// A run's events.jsonl as it grows, read from where the last look left off: a studio watching a
// long run parses each appended line once, not the whole log at every change (a 60 MB log took
// seconds a look). The same lines as readEvents: a line that does not parse, or is not an event
// (an object with a numeric step), ends the log; a last line without its newline waits for it.
// A log replaced (a resume rewrites it, cut back to its checkpoint) or shortened is read again
// from its start.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { EventLine } from '../train/records.js';

/** Bytes read at a time: a long log is read in pieces, never held whole. */
const PIECE = 1 << 20;

export class EventTail {
  private events: EventLine[] = [];
  /** Bytes of the file read so far, and the file they were read from (device:inode). */
  private offset = 0;
  private identity = '';
  /** The start of a line whose newline has not been written yet. */
  private partial: Buffer = Buffer.alloc(0);
  /** A line that is not an event ended the log: nothing after it counts. */
  private ended = false;

  constructor(private readonly file: string) {}

  /** The log's lines as of now (none while it has no file). */
  read(): EventLine[] {
    let descriptor: number;
    try {
      descriptor = openSync(this.file, 'r');
    } catch {
      this.restart('');
      return this.events;
    }
    try {
      const stat = fstatSync(descriptor);
      const identity = `${stat.dev}:${stat.ino}`;
      if (identity !== this.identity || stat.size < this.offset) this.restart(identity);
      const piece = Buffer.alloc(Math.min(PIECE, Math.max(0, stat.size - this.offset)));
      while (!this.ended && this.offset < stat.size) {
        const length = readSync(descriptor, piece, 0, piece.length, this.offset);
        if (length === 0) break;
        this.offset += length;
        this.take(piece.subarray(0, length));
      }
    } finally {
      closeSync(descriptor);
    }
    return this.events;
  }

  private restart(identity: string): void {
    this.events = [];
    this.offset = 0;
    this.identity = identity;
    this.partial = Buffer.alloc(0);
    this.ended = false;
  }

  /** Parses the whole lines of `bytes` (after what was left of the last piece). */
  private take(bytes: Buffer): void {
    const text = Buffer.concat([this.partial, bytes]);
    const end = text.lastIndexOf(0x0a);
    this.partial = Buffer.from(text.subarray(end + 1));
    if (end < 0) return;
    for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
      if (line.length === 0) continue;
      const event = parseEvent(line);
      if (!event) {
        this.ended = true;
        this.partial = Buffer.alloc(0);
        return;
      }
      this.events.push(event);
    }
  }
}

function parseEvent(line: string): EventLine | null {
  try {
    const value = JSON.parse(line) as unknown;
    const isEvent =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof (value as { step?: unknown }).step === 'number';
    return isEvent ? (value as EventLine) : null;
  } catch {
    return null;
  }
}

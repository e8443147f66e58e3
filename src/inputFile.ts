// Reading a file a user names: only a regular file (a FIFO, a device or a folder is refused
// before anything waits on it: the open does not block), and only up to a size, checked before
// the bytes are read; or "-", standard input, read to its end, up to the same size. Every
// refusal is one line naming the file.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from './errors.js';

/** Opened without blocking: a FIFO with no writer would otherwise hold the open forever. */
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function code(error: unknown): string {
  return String((error as NodeJS.ErrnoException).code ?? error);
}

/** Why `file` cannot be read, in one line: a missing file in words, else the system's code. */
export function cannotRead(file: string, error: unknown): DataError {
  if (code(error) === 'ENOENT') return new DataError(`${file}: no such file`);
  return new DataError(`${file}: cannot read (${code(error)})`);
}

/**
 * The bytes of `file`, a regular file of at most `limit` bytes (`what` names the limit's reason
 * in the message). Throws DataError otherwise.
 */
export function readInputFile(file: string, limit: number, what: string): Buffer {
  if (file === '-') return readStandardInput(limit, what);
  let descriptor: number;
  try {
    descriptor = openSync(file, FLAGS);
  } catch (error) {
    throw cannotRead(file, error);
  }
  try {
    const info = fstatSync(descriptor);
    if (!info.isFile()) throw new DataError(`${file}: not a regular file`);
    if (info.size > limit) {
      throw new DataError(
        `${file}: ${info.size} bytes, more than the ${limit} ${what} can be (is it the right file?)`,
      );
    }
    const bytes = Buffer.alloc(info.size);
    let read = 0;
    while (read < bytes.length) {
      const count = readSync(descriptor, bytes, read, bytes.length - read, read);
      if (count === 0) break;
      read += count;
    }
    return bytes.subarray(0, read);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw cannotRead(file, error);
  } finally {
    closeSync(descriptor);
  }
}

/** Standard input to its end (a pipe or a redirected file), at most `limit` bytes. */
function readStandardInput(limit: number, what: string): Buffer {
  if (process.stdin.isTTY) {
    throw new DataError('-: standard input is a terminal; pipe or redirect a file into it');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let count: number;
    try {
      count = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      if (code(error) === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a pipe not ready yet
        continue;
      }
      if (code(error) === 'EOF') break;
      throw new DataError(`-: cannot read standard input (${code(error)})`);
    }
    if (count === 0) break;
    total += count;
    if (total > limit) {
      throw new DataError(`-: more than the ${limit} bytes ${what} can be (is it the right file?)`);
    }
    chunks.push(Buffer.from(chunk.subarray(0, count)));
  }
  return Buffer.concat(chunks);
}

/** The longest line readLines passes on: a run's lines are a few kilobytes. */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Calls `onLine` with each line of `file` (numbered from 1, without its newline), reading it a
 * chunk at a time: memory is bounded by the chunk and the longest line, whatever the file's size.
 * A last line without its newline (being appended, or cut) is passed too. `onLine` may return
 * false to stop. Throws DataError for a file that cannot be read or a line over MAX_LINE_BYTES.
 */
export function readLines(
  file: string,
  onLine: (text: string, number: number) => boolean | void,
): void {
  let descriptor: number;
  try {
    descriptor = openSync(file, FLAGS);
  } catch (error) {
    throw cannotRead(file, error);
  }
  try {
    if (!fstatSync(descriptor).isFile()) throw new DataError(`${file}: not a regular file`);
    // a read fills what follows the start of a line the read before did not finish (`carried`)
    const bytes = Buffer.alloc(2 * MAX_LINE_BYTES + 2);
    let carried = 0;
    let number = 0;
    const tooLong = () =>
      new DataError(`${file}: line ${number + 1} is longer than ${MAX_LINE_BYTES} bytes`);
    for (;;) {
      const count = readChunk(file, descriptor, bytes.subarray(carried));
      if (count === 0) break;
      const length = carried + count;
      // whole lines only: a newline byte never occurs inside a UTF-8 character
      const end = bytes.lastIndexOf(0x0a, length - 1);
      if (end >= 0) {
        for (const text of bytes.toString('utf8', 0, end).split('\n')) {
          if (text.length > MAX_LINE_BYTES) throw tooLong();
          if (onLine(text, ++number) === false) return;
        }
      }
      carried = length - (end + 1);
      if (carried > MAX_LINE_BYTES) throw tooLong();
      bytes.copy(bytes, 0, end + 1, length);
    }
    if (carried > 0) onLine(bytes.toString('utf8', 0, carried), ++number);
  } finally {
    closeSync(descriptor);
  }
}

function readChunk(file: string, descriptor: number, into: Buffer): number {
  try {
    return readSync(descriptor, into, 0, into.length, null);
  } catch (error) {
    throw cannotRead(file, error);
  }
}

// Reading a file a user names: only a regular file (a FIFO, a device or a folder is refused
// before anything waits on it: the open does not block), and only up to a size, checked before
// the bytes are read. Every refusal is one line naming the file.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from './errors.js';

/** Opened without blocking: a FIFO with no writer would otherwise hold the open forever. */
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function code(error: unknown): string {
  return String((error as NodeJS.ErrnoException).code ?? error);
}

/**
 * The bytes of `file`, a regular file of at most `limit` bytes (`what` names the limit's reason
 * in the message). Throws DataError otherwise.
 */
export function readInputFile(file: string, limit: number, what: string): Buffer {
  let descriptor: number;
  try {
    descriptor = openSync(file, FLAGS);
  } catch (error) {
    throw new DataError(`${file}: cannot read (${code(error)})`);
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
    throw new DataError(`${file}: cannot read (${code(error)})`);
  } finally {
    closeSync(descriptor);
  }
}

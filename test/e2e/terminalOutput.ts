// What a terminal draws of a program's output, for the tests that run it on a pseudo-terminal.

/** An escape sequence: ESC [ … letter (CSI), or ESC 7 / ESC 8 (save and restore the cursor). */
// eslint-disable-next-line no-control-regex
const ESCAPE = /^\x1b(\[[0-9;?]*[A-Za-z]|[78])/;

/**
 * The widest a terminal would draw `output`: characters advance the column (a surrogate pair
 * once); carriage return, cursor-to-column-1 and restoring a saved cursor go back; other escape
 * sequences draw nothing.
 */
export function widestLine(output: string): number {
  let column = 0;
  let saved = 0;
  let widest = 0;
  for (let i = 0; i < output.length; i++) {
    const char = output[i];
    if (char === '\x1b') {
      const sequence = ESCAPE.exec(output.slice(i))?.[0] ?? '\x1b';
      if (sequence === '\x1b7') saved = column;
      if (sequence === '\x1b8') column = saved;
      if (sequence === '\x1b[1G') column = 0;
      i += sequence.length - 1;
    } else if (char === '\r' || char === '\n') {
      column = 0;
    } else if (char >= ' ' && !(char >= '\udc00' && char <= '\udfff')) {
      column++;
      widest = Math.max(widest, column);
    }
  }
  return widest;
}

// Text for the terminal (src/cli/format.ts, the progress bar's layout), as pure functions of
// their input and the terminal's width. test/terminalFormat.test.ts has folding, the epoch line
// and the accuracy chart; test/e2e/terminal.test.ts draws them on a real pseudo-terminal.

import { describe, expect, it } from 'vitest';
import { fitted } from '../src/cli/progress.js';
import { columnsOf, drawImage, percent, table } from '../src/cli/format.js';

describe('lines that fit the terminal', () => {
  it('a terminal is one column narrower than it says (a full line wraps on some); a pipe is endless', () => {
    const tty = { isTTY: true, columns: 80 } as NodeJS.WriteStream;
    expect(columnsOf(tty)).toBe(79);
    expect(columnsOf({ isTTY: true, columns: 0 } as NodeJS.WriteStream)).toBe(79);
    expect(columnsOf({ isTTY: false } as NodeJS.WriteStream)).toBe(Infinity);
  });

  it('the progress bar takes what the text leaves, 10 to 40 cells; the loss and accuracy go first', () => {
    /** The bar's line at its widest: the placeholders filled as cli-progress fills them. */
    const drawn = (label: string, batches: number, columns: number) => {
      const { format, barsize } = fitted(label, batches, columns);
      return {
        barsize,
        line: format
          .replace('{epochLabel}', label)
          .replace('{bar}', '█'.repeat(barsize))
          .replace('{value}/{total}', `${batches}/${batches}`)
          .replace('{eta_formatted}', '59m59s')
          .replace('{loss}', '0.0000')
          .replace('{accuracy}', '100.00%'),
      };
    };
    expect(drawn('epoch 3/10', 600, 79)).toEqual({
      barsize: 21,
      line: `epoch 3/10 ${'█'.repeat(21)} 600/600 | ETA 59m59s | loss 0.0000 acc 100.00%`,
    });
    expect(drawn('epoch 3/10', 600, 200).barsize).toBe(40);
    for (let columns = 200; columns >= 40; columns--) {
      const { line, barsize } = drawn('epoch 10/10', 60000, columns);
      expect(line.length, `${columns} columns`).toBeLessThanOrEqual(columns);
      expect(barsize).toBeGreaterThanOrEqual(1);
      // the statistics show only where the bar keeps 10 cells
      expect(line.includes('| loss'), `${columns} columns`).toBe(
        columns - 'epoch 10/10  60000/60000 | ETA 00m00s | loss 0.0000 acc 100.00%'.length >= 10,
      );
    }
  });
});

describe('tables, percentages and digits', () => {
  it('pads columns to a common width: text left, numbers right', () => {
    expect(
      table([
        ['name', 'value', 'note'],
        ['a', '1', 'x'],
        ['bbbb', '22.5', 'longer'],
      ]),
    ).toBe('name  value    note\na         1       x\nbbbb   22.5  longer');
    expect(
      table(
        [
          ['a', 'b', 'c'],
          ['dd', 'ee', 'f'],
        ],
        true,
        [2],
      ),
    ).toBe('a    b  c\ndd  ee  f');
    expect(
      table(
        [
          ['a', 'b'],
          ['cc', 'dd'],
        ],
        false,
      ),
    ).toBe('a   b\ncc  dd');
  });

  it('writes fractions as percentages with two decimals, or as asked', () => {
    expect(percent(0.98765)).toBe('98.77%');
    expect(percent(1)).toBe('100.00%');
    expect(percent(0.5, 0)).toBe('50%');
  });

  it('draws an image two characters per pixel, darker bytes as lighter shades', () => {
    const drawing = drawImage(Uint8Array.from([0, 64, 128, 255]), 2, 2);
    expect(drawing).toBe(['+----+', '|  ░░|', '|▒▒██|', '+----+'].join('\n'));
  });
});

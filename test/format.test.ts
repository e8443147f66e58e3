// Text for the terminal (src/cli/format.ts, the progress bar's layout, the epoch line), as pure
// functions of their input and the terminal's width. test/terminalFormat.test.ts has the accuracy
// chart; test/e2e/terminal.test.ts draws them on a real pseudo-terminal.

import { describe, expect, it } from 'vitest';
import { fitted } from '../src/cli/progress.js';
import { epochLine } from '../src/cli/train.js';
import { columnsOf, drawImage, percent, table, wrap } from '../src/cli/format.js';
import type { EpochMetrics } from '../src/train/records.js';

describe('lines that fit the terminal', () => {
  it('a terminal is one column narrower than it says (a full line wraps on some); a pipe is endless', () => {
    const tty = { isTTY: true, columns: 80 } as NodeJS.WriteStream;
    expect(columnsOf(tty)).toBe(79);
    expect(columnsOf({ isTTY: true, columns: 0 } as NodeJS.WriteStream)).toBe(79);
    expect(columnsOf({ isTTY: false } as NodeJS.WriteStream)).toBe(Infinity);
  });

  it('wraps sentences at spaces, indenting the later lines; a longer word stays whole', () => {
    expect(wrap('short enough', 12)).toBe('short enough');
    expect(wrap('one two three four five', 9)).toBe('one two\n  three\n  four\n  five');
    expect(wrap('a /very/long/path/that/does/not/fit end', 10)).toBe(
      'a\n  /very/long/path/that/does/not/fit\n  end',
    );
    for (const line of wrap('the quick brown fox jumps over the lazy dog '.repeat(5), 30).split(
      '\n',
    ))
      expect(line.length).toBeLessThanOrEqual(30);
  });

  /** Metrics with wide figures: four-digit epochs' worth of samples per second, 100.00%. */
  const metrics: EpochMetrics = {
    epoch: 7,
    trainLoss: 0.123456,
    trainAccuracy: 1,
    testLoss: 0.234567,
    testAccuracy: 0.98765,
    validationLoss: 0.2,
    validationAccuracy: 0.9876,
    seconds: 12.345,
    samplesPerSecond: 1234567.8,
    steps: 4200,
    learningRate: 0.00123456,
    gradientNorms: [0.5],
  };

  it('an epoch line drops the speed, then the labels, then the rate and seconds, never a figure', () => {
    const full = epochLine(metrics, 10, true);
    expect(full).toBe(
      'epoch  7/10  lr 0.00123  train loss 0.1235 acc 100.00%  val acc 98.76%  ' +
        'test loss 0.2346 acc 98.77%  12.35 s  1234568 samples/s',
    );
    const shortest = 'epoch  7/10  train 0.1235 100.00%  val 98.76%  test 0.2346 98.77%';
    expect(epochLine(metrics, 10, true, 40)).toBe(shortest); // what always shows, even too wide
    let previous = full;
    for (let width = full.length; width >= shortest.length; width--) {
      const line = epochLine(metrics, 10, true, width);
      expect(line.length, `width ${width}`).toBeLessThanOrEqual(width);
      for (const figure of ['7/10', '0.1235', '100.00%', '98.76%', '0.2346', '98.77%'])
        expect(line, `width ${width}`).toContain(figure);
      expect(line.length).toBeLessThanOrEqual(previous.length);
      previous = line;
    }
    // on an 80-column terminal: the short labels and the rate are 86 columns
    expect(epochLine(metrics, 10, true, 79)).toBe(
      'epoch  7/10  train 0.1235 100.00%  val 98.76%  test 0.2346 98.77%  12.35 s',
    );
    // no rate without a schedule, no validation without a split
    const { validationAccuracy: _v, validationLoss: _l, ...plain } = metrics;
    expect(epochLine(plain, 10)).toBe(
      'epoch  7/10  train loss 0.1235 acc 100.00%  test loss 0.2346 acc 98.77%  12.35 s  1234568 samples/s',
    );
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

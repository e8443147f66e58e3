// Output on a real terminal: `train` in a pseudo-terminal of 80 columns (util-linux's `script`),
// read back the way a terminal draws it. Nothing may reach past the last column, and Ctrl-C
// (the terminal's own ^C) clears the progress bar before its message.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { barChart } from '../src/cli/format.js';
import { ROOT, temporaryFolder } from './helpers.js';

/** Runs `train …` on a terminal of `columns`; `interrupt` types ^C once the bar has shown. */
function onTerminal(args: string[], columns: number, interrupt = false): Promise<string> {
  const command = `stty cols ${columns} rows 40; exec node bin/mnist-softmax.js train ${args.join(' ')}`;
  const child = spawn('script', ['-qfc', command, '/dev/null'], { cwd: ROOT });
  let output = '';
  let typed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (interrupt && !typed && /\d+\/\d+ \| ETA/.test(output)) {
      typed = true;
      setTimeout(() => child.stdin.write('\x03'), 200);
    }
  });
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}

/** An escape sequence: ESC [ … letter (CSI), or ESC 7 / ESC 8 (save and restore the cursor). */
// eslint-disable-next-line no-control-regex
const ESCAPE = /^\x1b(\[[0-9;?]*[A-Za-z]|[78])/;

/**
 * The widest a terminal would draw `output`: characters advance the column; carriage return,
 * cursor-to-column-1 and restoring a saved cursor go back; other escape sequences draw nothing.
 */
function widestLine(output: string): number {
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
    } else if (char >= ' ') {
      column++;
      widest = Math.max(widest, column);
    }
  }
  return widest;
}

describe('on an 80-column terminal', () => {
  it('the header, the progress bar, the epoch lines and the summary fit', async () => {
    const out = temporaryFolder();
    const args = ['--epochs', '2', '--train-limit', '20000', '--test-limit', '1000'];
    const output = await onTerminal([...args, '--val-split', '0.1', '--out', out, '--force'], 80);
    expect(output).toMatch(/\d+\/\d+ \| ETA/); // a bar was drawn
    expect(output).toMatch(/epoch 2\/2 .*val 9\d\.\d\d%/);
    expect(widestLine(output)).toBeLessThanOrEqual(80);
    // a wide terminal gets the whole lines
    const wide = await onTerminal([...args, '--out', out, '--force'], 160);
    expect(wide).toMatch(/train loss \d\.\d{4} acc \d+\.\d\d%.* samples\/s/);
    expect(widestLine(wide)).toBeLessThanOrEqual(160);
  });

  it('Ctrl-C clears the bar before its message', async () => {
    const out = temporaryFolder();
    const output = await onTerminal(['--hidden', '64', '--epochs', '3', '--out', out], 80, true);
    // the bar's line is erased (ESC[2K), then the message starts on a line of its own
    const cleared = '\x1b[2K';
    expect(output).toMatch(
      new RegExp(`${cleared.replace('[', '\\[')}\r?\n(SIGINT|SIGTERM): stopping`),
    );
    expect(widestLine(output)).toBeLessThanOrEqual(80);
  });
});

describe('the accuracy chart', () => {
  it('labels its axis, so that bar lengths can be read', () => {
    const rows = [0.9648, 0.9654].map((value, i) => ({
      label: String(i + 1),
      value,
      text: `${(100 * value).toFixed(2)}%`,
    }));
    const [axis, ...bars] = barChart(rows, 40).split('\n');
    const [low, high] = axis
      .trim()
      .split(/\s+/)
      .map((label) => parseFloat(label));
    expect(low).toBeLessThan(96.48);
    expect(high).toBeGreaterThanOrEqual(96.54);
    // each bar is as long as its value's place between the labels says (to an eighth of a cell)
    const eighths = (line: string) =>
      [...line].reduce((sum, c) => sum + (c === '█' ? 8 : '▏▎▍▌▋▊▉'.indexOf(c) + 1), 0);
    rows.forEach(({ value }, i) => {
      const expected = ((100 * value - low) / (high - low)) * 40 * 8;
      expect(Math.abs(eighths(bars[i]) - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
    });
  });
});

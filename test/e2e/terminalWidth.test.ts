// Narrow terminals, for real: `train` and `--help` in pseudo-terminals of 40 and 50 columns
// (util-linux's `script`), read back the way a terminal draws them. No line may reach past the
// last column (the terminal would break it wherever it falls, inside a number or a word), and
// every figure, word and command must come out whole.

import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryFolder } from '../helpers.js';
import { widestLine } from './terminalOutput.js';

/** Runs `mnist-softmax …args` on a terminal of `columns` and `rows`; its output as drawn. */
function onTerminal(args: string[], columns: number): Promise<string> {
  const command = `stty cols ${columns} rows 50; exec node bin/mnist-softmax.js ${args.join(' ')}`;
  const child = spawn('script', ['-qfc', command, '/dev/null'], { cwd: ROOT });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}

/** The lines left once escape sequences and carriage returns are gone. */
function plain(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '').replace(/\r/g, '');
}

const COMMANDS = ['', 'train', 'eval', 'inspect', 'examples', 'gradcheck', 'bench', 'predict'];
const MORE = ['export', 'compare', 'studio', 'explain'];

describe.each([40, 50])('on a terminal of %i columns', (columns) => {
  it('train: the header, a warning, the bar, the epoch lines, the chart and the summary fit', async () => {
    const out = temporaryFolder();
    const args = ['train', '--epochs', '2', '--train-limit', '6000', '--test-limit', '1000'];
    const output = await onTerminal(
      [...args, '--val-split', '0.1', '--momentum', '0.8', '--out', `${out}/run`],
      columns,
    );
    expect(output).toMatch(/\d+\/\d+ \| ETA/); // a bar was drawn
    expect(widestLine(output)).toBeLessThanOrEqual(columns);
    const text = plain(output);
    expect(text).toMatch(/warning: --momentum has no effect/);
    // each epoch's figures whole, the loss and the accuracy side by side
    for (const split of ['train', 'test']) {
      expect(text.match(new RegExp(`${split} \\d\\.\\d{4} \\d+\\.\\d\\d%`, 'g'))).toHaveLength(2);
    }
    expect(text.match(/val \d+\.\d\d%/g)).toHaveLength(2);
    expect(text).toMatch(/2 epochs/);
    expect(text).toMatch(/5,400 training, 600 validation/);
    // the chart states its axis, and draws a dot per epoch
    expect(text).toMatch(
      /test accuracy per epoch \(axis from\s+\d+(\.\d+)?%\s+to\s+\d+(\.\d+)?%\):/,
    );
    expect(text.match(/^[12] ·*●·* \d+\.\d\d%$/gm)).toHaveLength(2);
    expect(text).toMatch(/after\s+108\s+steps/);
  });

  it('train of one epoch says "1 epoch"', async () => {
    const out = temporaryFolder();
    const output = plain(
      await onTerminal(
        ['train', '--epochs', '1', '--train-limit', '2000', '--test-limit', '500', '--out', out],
        columns,
      ),
    );
    expect(output).toMatch(/1 epoch\s+of\s+batches/);
    expect(output).not.toMatch(/1 epochs/);
  });

  it('--help of train fits, on the terminal itself', async () => {
    const output = await onTerminal(['train', '--help'], columns);
    expect(widestLine(output)).toBeLessThanOrEqual(columns);
    expect(plain(output)).toMatch(/^ {2}--lr <rate>\n {6}learning rate/m);
  });

  it.each([...COMMANDS, ...MORE])('--help of "%s" fits $COLUMNS, every word whole', (command) => {
    const help = (width?: number) => {
      const env = { ...process.env, COLUMNS: width === undefined ? '' : String(width) };
      const args = ['bin/mnist-softmax.js', ...(command ? [command] : []), '--help'];
      const result = spawnSync('node', args, { cwd: ROOT, env, encoding: 'utf8' });
      expect(result.status).toBe(0);
      return result.stdout;
    };
    const narrow = help(columns);
    for (const line of narrow.split('\n')) {
      expect([...line].length, line).toBeLessThanOrEqual(columns - 1);
    }
    // the same words as at 80 columns (an example's comment moves and may take two lines, each
    // starting with "#"; a "\" continues a command)
    const words = (text: string) =>
      text
        .split(/\s+/)
        .filter((word) => word && word !== '\\' && word !== '#')
        .sort();
    expect(words(narrow)).toEqual(words(help()));
  });
});

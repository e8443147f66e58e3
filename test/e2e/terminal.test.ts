// Output on a real terminal: `train` in a pseudo-terminal of 80 columns (util-linux's `script`),
// read back the way a terminal draws it. Nothing may reach past the last column, and Ctrl-C
// (the terminal's own ^C) clears the progress bar before its message.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryFolder } from '../helpers.js';
import { widestLine } from './terminalOutput.js';

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

// The accuracy chart's axis and dots: test/terminalFormat.test.ts, at 40 to 120 columns.

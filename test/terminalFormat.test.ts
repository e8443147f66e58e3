// The terminal's formatting rules, as pure functions: every line fits terminals of 40, 50, 80
// and 120 columns, folded at spaces and never inside a number; singular and plural; numbers
// written for people; the accuracy chart's dots where its labelled axis puts them.

import { describe, expect, it } from 'vitest';
import { epochLine } from '../src/cli/epochLine.js';
import { dotAxis, dotCell, dotPlot, drawImage, wrap } from '../src/cli/format.js';
import { examplesText } from '../src/cli/help.js';
import { factor, grouped, plural, significant } from '../src/numbers.js';
import type { EpochMetrics } from '../src/train/records.js';

/** Terminals of these columns; lines are made one narrower (columnsOf). */
const TERMINALS = [40, 50, 80, 120];

/** The numbers of a text (with their decimal point, separators, sign, exponent and percent). */
const numbers = (text: string) => text.match(/[-+]?\d[\d,.]*(e[-+]?\d+)?%?/g) ?? [];

function expectFits(text: string, width: number) {
  for (const line of text.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
}

const METRICS: EpochMetrics = {
  epoch: 3,
  steps: 1800,
  learningRate: 0.0032725424859373687,
  trainLoss: 0.26923,
  trainAccuracy: 0.92503,
  validationAccuracy: 0.9241,
  testLoss: 0.0788,
  testAccuracy: 0.97621,
  seconds: 0.134,
  samplesPerSecond: 1145858.4,
  gradientNorms: [0.4],
};

describe('folding at spaces', () => {
  const sentence =
    'mnist: 54,000 training, 6,000 validation (held out) and 10,000 test images of 28×28, ' +
    'loaded in 0.38 s; model 784-256-10, adam at 0.005 (cosine schedule), 10 epochs of ' +
    'batches of 100, test accuracy 97.62% (loss 0.0788) after 6,000 steps in 12.3 s';

  it.each(TERMINALS)('fits %i columns, keeps every word and number whole', (columns) => {
    const folded = wrap(sentence, columns - 1);
    expectFits(folded, columns - 1);
    expect(folded.split(/\s+/)).toEqual(sentence.split(/\s+/));
    expect(numbers(folded)).toEqual(numbers(sentence));
    // a unit stays on its number's line
    expect(folded).not.toMatch(/\d\n +s\b/);
  });

  it('cuts a path longer than the line after a "/", and keeps line breaks', () => {
    const path = 'runs/an-experiment-with-a-long-name/2026-12-06T20-10-05/model.json';
    const folded = wrap(`saved to ${path}\nnext line`, 39);
    expectFits(folded, 39);
    expect(folded.replace(/\n +/g, '')).toBe(`saved to${path}\nnext line`);
    expect(folded.split('\n')[1]).toMatch(/\/$/);
    expect(folded.endsWith('\nnext line')).toBe(true);
  });
});

describe('an epoch line', () => {
  it.each(TERMINALS)('fits %i columns with every figure whole', (columns) => {
    const width = columns - 1;
    const extra = 'tfjs: max |Δw| 1.19e-7 |Δloss| 2.98e-8';
    const line = epochLine(METRICS, 10, true, width, extra);
    expectFits(line, width);
    // the figures always there, each whole, in their order
    expect(line.startsWith('epoch  3/10')).toBe(true);
    const essential = ['0.2692', '92.50%', '92.41%', '0.0788', '97.62%', '1.19e-7'];
    const found = numbers(line);
    expect(found.filter((n) => essential.includes(n))).toEqual(essential);
    // nothing but whole figures of the full line
    const full = numbers(epochLine(METRICS, 10, true, Infinity, extra));
    for (const n of found) expect(full).toContain(n);
  });

  it('writes samples per second with separators when there is room', () => {
    const line = epochLine(METRICS, 10, true);
    expect(line).toContain('1,145,858 samples/s');
    expect(line).toContain('0.13 s');
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('the accuracy chart', () => {
  const rows = [0.9215, 0.9246, 0.9268, 0.9268, 0.928].map((value, i) => ({
    label: String(i + 1),
    value,
    text: `${(100 * value).toFixed(2)}%`,
  }));

  it.each(TERMINALS)('fits %i columns, a dot where the labelled axis puts it', (columns) => {
    const axis = dotAxis(rows.map((r) => 100 * r.value));
    const chart = dotPlot(rows, columns - 1, axis);
    expectFits(chart, columns - 1);
    const [labels, ...lines] = chart.split('\n');
    const [low, high] = labels.trim().split(/\s+/).map(parseFloat);
    expect([low, high]).toEqual([axis.low, axis.high].map((v) => +v.toFixed(1)));
    expect(low).toBeLessThanOrEqual(92.15);
    expect(high).toBeGreaterThanOrEqual(92.8);
    const track = lines[0].split(' ')[1].length;
    lines.forEach((line, i) => {
      expect(line.endsWith(rows[i].text)).toBe(true);
      const dots = line.split(' ')[1];
      expect(dots.replace(/·/g, '')).toBe('●');
      // the dot's cell is the value's place between the labels, to half a cell
      const expected = ((100 * rows[i].value - low) / (high - low)) * (track - 1);
      expect(Math.abs(dots.indexOf('●') - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
    });
    // the two ends are at the track's ends
    expect(labels.indexOf(axis.lowText)).toBe(2);
    expect(labels.length).toBe(2 + track);
  });

  it('keeps its axis within 0–100% and at least a point wide', () => {
    expect(dotAxis([99.9, 100])).toMatchObject({ high: 100 });
    expect(dotAxis([100]).low).toBeGreaterThanOrEqual(99 - 1e-9);
    expect(dotAxis([0.2, 0.3]).low).toBe(0);
    const one = dotAxis([92.15]);
    expect(one.high - one.low).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(dotCell(92.15, one, 41)).toBeGreaterThan(0);
    expect(dotCell(92.15, one, 41)).toBeLessThan(40);
  });
});

describe('the examples at the end of --help', () => {
  const examples = [
    'mnist-softmax train                  # softmax regression, embedded MNIST',
    'mnist-softmax train --optimizer lbfgs --weight-decay 1.6666667e-5',
    'cat digit.png | mnist-softmax predict --model model.json -   # stdin',
  ];

  it.each(TERMINALS)('fit %i columns, each command still whole once unfolded', (columns) => {
    const text = examplesText(examples, columns - 1);
    expectFits(text, columns - 1);
    const commands = text
      .replace(/ \\\n +/g, ' ')
      .split('\n')
      .filter((line) => line.startsWith('  $ '))
      .map((line) => line.slice(4).split(/ +# /)[0].trim());
    expect(commands).toEqual(examples.map((e) => e.split(/ +# /)[0].trim()));
    expect(numbers(text)).toContain('1.6666667e-5');
  });
});

describe('a drawn digit', () => {
  // a 28×28 square ring: ink on rows and columns 4 and 23
  const pixels = new Uint8Array(28 * 28);
  for (let i = 4; i < 24; i++) {
    for (const j of [4, 23]) pixels[j * 28 + i] = pixels[i * 28 + j] = 255;
  }

  it.each(TERMINALS)('fits %i columns, keeping its shape', (columns) => {
    const drawn = drawImage(pixels, 28, 28, columns - 1);
    expectFits(drawn, columns - 1);
    const lines = drawn.split('\n');
    // two characters a pixel where 58 columns fit, else one a pixel and a line per two rows
    const wide = columns - 1 >= 58;
    expect(lines).toHaveLength(wide ? 30 : 16);
    expect(lines[1 + (wide ? 4 : 2)].replace(/[^░▒▓█]/g, '')).toHaveLength(wide ? 40 : 20);
    expect(lines[1 + (wide ? 10 : 5)].replace(/[^░▒▓█]/g, '')).toHaveLength(wide ? 4 : 2);
  });
});

describe('numbers for people', () => {
  it('thousands separators, a few significant digits, 1/255', () => {
    expect(grouped(1145858.4)).toBe('1,145,858');
    expect(grouped(600)).toBe('600');
    // the separators of toLocaleString('en-US'), without its locale data
    for (const value of [0, 7, -999, 1000, -1000, 999999.5, -1234567, 2 ** 53, 1.5e21, -3e22]) {
      expect(grouped(value), String(value)).toBe(Math.round(value).toLocaleString('en-US'));
    }
    expect(significant(20511.265737600326)).toBe('20,511');
    expect(significant(0.31415926)).toBe('0.3142');
    expect(significant(2.5)).toBe('2.5');
    expect(significant(1.5e-9)).toBe('1.5e-9');
    expect(significant(Infinity)).toBe('Infinity');
    expect(factor(0.00392156862745098)).toBe('1/255');
    expect(factor(1 / 255)).toBe('1/255');
    expect(factor(1)).toBe('1');
    expect(factor(0.3)).toBe('0.3');
  });

  it('singular for one, plural otherwise', () => {
    expect(plural(1, 'epoch')).toBe('1 epoch');
    expect(plural(5, 'epoch')).toBe('5 epochs');
    expect(plural(0, 'step')).toBe('0 steps');
    expect(plural(60000, 'training image')).toBe('60,000 training images');
  });
});

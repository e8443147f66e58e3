// The step views' pieces (stepView.ts: one sample; batchView.ts: a batch taken by Step): numbers
// as a person reads them and in TeX, formulas typeset by KaTeX, 28×28 digits, weight-shaped
// matrices as one diverging image per class with their colour key, bars and tables.

import katex from 'katex';
import { element } from './dom.js';

export const SIDE = 28;

/** Four significant digits, as a person reads them (TeX-safe: no unicode minus). */
export function short(value: number): string {
  if (value === 0) return '0';
  const text = Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
  return text.replace(/e([+-])(\d+)$/, (_, sign: string, digits: string) =>
    sign === '-' ? `e-${digits}` : `e${digits}`,
  );
}

/** A number in TeX: 1.234e-5 as 1.234 \times 10^{-5}. */
export function tex(value: number): string {
  const text = short(value);
  const match = /^(-?[\d.]+)e(-?\d+)$/.exec(text);
  return match ? `${match[1]} \\times 10^{${match[2]}}` : text;
}

/** A number in TeX as an operand: a negative one in parentheses (no "− −"). */
export function operand(value: number): string {
  return value < 0 ? `\\left(${tex(value)}\\right)` : tex(value);
}

/**
 * A formula typeset, named `label`; given as lines, one under the other, aligned at each line's
 * `&` (the symbols first, then the numbers substituted: narrow enough for a phone).
 */
export function formula(source: string | string[], label: string): HTMLElement {
  const node = element('div', { class: 'step-formula', role: 'math', 'aria-label': label });
  const text =
    typeof source === 'string' ? source : `\\begin{aligned}${source.join(' \\\\ ')}\\end{aligned}`;
  katex.render(text, node, { throwOnError: false, displayMode: true, output: 'htmlAndMathml' });
  return node;
}

// blue for positive, red for negative, as the run's weights.png (report/weights.ts)
const POSITIVE: [number, number, number] = [33, 102, 172];
const NEGATIVE: [number, number, number] = [178, 24, 43];
/** The zero: white in light and dark mode alike, as weights.png, so small values stay seen. */
const ZERO: [number, number, number] = [255, 255, 255];

/** The diverging map: −1 red, 0 white, +1 blue. */
function diverging(t: number): [number, number, number] {
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.min(1, Math.abs(t));
  return [0, 1, 2].map((c) => Math.round(ZERO[c] + (end[c] - ZERO[c]) * a)) as [
    number,
    number,
    number,
  ];
}

/** A 28×28 grey image of the input bytes (ink light on black, as the model sees it). */
export function digitCanvas(pixels: number[], name: string): HTMLCanvasElement {
  const canvas = element('canvas', { width: '28', height: '28', class: 'step-digit' });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', name);
  const image = new ImageData(SIDE, SIDE);
  pixels.forEach((v, i) => image.data.set([v, v, v, 255], 4 * i));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/**
 * Column k of a (784 × classes) row-major matrix as a 28×28 diverging image, on the scale
 * ±largest.
 */
function columnCanvas(
  matrix: number[],
  classes: number,
  k: number,
  largest: number,
  name: string,
): HTMLCanvasElement {
  const canvas = element('canvas', { width: '28', height: '28', class: 'step-tile' });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', name);
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const t = largest > 0 ? matrix[i * classes + k] / largest : 0;
    image.data.set([...diverging(t), 255], 4 * i);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

export function largestOf(...arrays: number[][]): number {
  let largest = 0;
  for (const values of arrays) for (const v of values) largest = Math.max(largest, Math.abs(v));
  return largest;
}

/** The colour key of a diverging scale ±largest. */
export function colourKey(largest: number, what: string): HTMLElement {
  const stops = [-1, -0.5, 0, 0.5, 1].map((t) => `rgb(${diverging(t).join(',')})`);
  const bar = element('span', { class: 'step-key-bar' });
  bar.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  return element(
    'p',
    { class: 'step-key' },
    element('span', {}, `−${short(largest)}`),
    bar,
    element('span', {}, `+${short(largest)}`),
    element('span', { class: 'hint' }, ` ${what}: red negative, blue positive, one scale for all`),
  );
}

/** A bar from the middle: left for negative, right for positive, on the scale ±largest. */
export function signedBar(value: number, largest: number, kind: string): HTMLElement {
  const bar = element('span', { class: `step-bar step-bar-${kind}` });
  const share = largest > 0 ? Math.min(1, Math.abs(value) / largest) : 0;
  bar.style.width = `${50 * share}%`;
  bar.style.left = value < 0 ? `${50 - 50 * share}%` : '50%';
  return element('span', { class: 'step-track step-track-signed' }, bar);
}

/** A bar from the left for a value in [0, 1]. */
export function unitBar(value: number, kind: string): HTMLElement {
  const bar = element('span', { class: `step-bar step-bar-${kind}` });
  bar.style.width = `${100 * Math.max(0, Math.min(1, value))}%`;
  return element('span', { class: 'step-track' }, bar);
}

export function table(
  caption: string,
  head: string[],
  rows: (Node | string)[][],
): HTMLTableElement {
  return element(
    'table',
    { class: 'step-table' },
    element('caption', {}, caption),
    element('thead', {}, element('tr', {}, ...head.map((h) => element('th', { scope: 'col' }, h)))),
    element(
      'tbody',
      {},
      ...rows.map(([first, ...rest]) =>
        element(
          'tr',
          {},
          element('th', { scope: 'row' }, first),
          ...rest.map((cell) => element('td', {}, cell)),
        ),
      ),
    ),
  );
}

export const LOSS_NAMES = { 'cross-entropy': 'cross-entropy', mse: 'squared error' } as const;

export function norm(values: number[]): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0));
}

/** A (784 × classes) matrix as one captioned 28×28 image per class, on one scale ±largest. */
export function classTiles(
  matrix: number[],
  classes: string[],
  largest: number,
  name: (className: string) => string,
): HTMLElement {
  return element(
    'div',
    { class: 'step-tiles' },
    ...classes.map((className, k) =>
      element(
        'figure',
        {},
        columnCanvas(matrix, classes.length, k, largest, name(className)),
        element('figcaption', {}, className),
      ),
    ),
  );
}

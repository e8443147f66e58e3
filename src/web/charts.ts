// The charts of the report, `compare` and the studio, drawn by uPlot (small, fast, canvas), with
// the controls a reader needs: x axis as step, epoch or training time, smoothing (TensorBoard's),
// log or linear y, drag-to-zoom with a Reset zoom button, the values at the cursor in the legend,
// and links to each run's metrics files. One drawing code for the three pages.
//
// The reader's choices (x axis, smoothing, log/linear, zoom) outlive a redraw: the studio draws
// again whenever a live run logs, and a chart must not jump back under the reader's cursor.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CurvesEntry } from '../report/series.js';
import {
  duration,
  logRange,
  logTickLabel,
  logTicks,
  positive,
  shareRange,
  smooth,
  tickLabel,
  valueLabel,
} from './chartScales.js';
import { chartSpecs, type ChartSpec, type Line, type XAxis } from './chartSpecs.js';
import './charts.css';

export { PALETTE } from './chartSpecs.js';

const HEIGHT = 260;
const FONT = '12px sans-serif';
const X_TITLES: Record<XAxis, string> = {
  step: 'step',
  epoch: 'epoch',
  time: 'training time',
};

/** The reader's choices, kept across redraws (and shared by every chart of the page). */
const settings = { x: 'step' as XAxis, smoothing: 0 };
/** Log (true) or linear, as the reader toggled it, by chart name. */
const scales = new Map<string, boolean>();
/** The x range zoomed into, by chart name and runs. */
const zooms = new Map<string, [number, number]>();
/** Where the cursor is over a chart, by chart name and runs: a redraw puts it back. */
const cursors = new Map<string, { left: number; top: number }>();

interface Drawn {
  entries: CurvesEntry[];
  /** Charts given as they are (drawSpecs), instead of chartSpecs(entries). */
  specs?: ChartSpec[];
  plots: uPlot[];
  grid: HTMLElement;
  downloads: HTMLElement;
  time: HTMLOptionElement;
  resized?: ResizeObserver;
}
const drawn = new Map<HTMLElement, Drawn>();

function alpha(colour: string, opacity: number): string {
  const value = parseInt(colour.slice(1), 16);
  return `rgba(${value >> 16},${(value >> 8) & 255},${value & 255},${opacity})`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A legend's marker, drawn as the chart draws the line: its colour, dash, dots, band. */
function swatch(line: Line): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '12');
  svg.setAttribute('aria-hidden', 'true');
  const add = (tag: string, attributes: Record<string, string>) => {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    svg.append(node);
  };
  if (line.low)
    add('rect', { x: '0', y: '1', width: '24', height: '10', fill: alpha(line.colour, 0.25) });
  if (line.style !== 'points') {
    add('line', {
      x1: '1',
      x2: '23',
      y1: '6',
      y2: '6',
      stroke: line.colour,
      'stroke-width': '2',
      ...(line.dash ? { 'stroke-dasharray': line.dash.map((d) => d / 2).join(' ') } : {}),
    });
  }
  if (line.style !== 'line') add('circle', { cx: '12', cy: '6', r: '4', fill: line.colour });
  return svg;
}

/** The index of the value in ascending `xs` nearest to `x`. */
function nearest(xs: number[], x: number): number {
  let low = 0;
  let high = xs.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (xs[middle] <= x) low = middle;
    else high = middle;
  }
  return Math.abs(xs[high] - x) < Math.abs(xs[low] - x) ? high : low;
}

function xLabel(axis: XAxis, x: number): string {
  if (axis === 'time') return duration(x);
  if (axis === 'epoch') return `epoch ${+x.toFixed(2)}`;
  return `step ${x.toLocaleString('en-US')}`;
}

/** The colours of the page's theme (page.css / charts.css set them, dark mode too). */
function theme(target: HTMLElement) {
  const style = getComputedStyle(target);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { text: read('--chart-text', '#222'), grid: read('--chart-grid', 'rgba(0,0,0,0.12)') };
}

let measurer: CanvasRenderingContext2D | null = null;
/** The width of the widest tick label, so the axis title never overlaps the ticks. */
function labelsWidth(values: string[] | null): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer || !values) return 40;
  measurer.font = FONT;
  return Math.max(0, ...values.map((v) => measurer!.measureText(v ?? '').width));
}

interface Shown {
  line: Line;
  xs: number[];
  ys: (number | null)[];
  raw: (number | null)[] | null;
}

/** The points of `line` that have an x on `axis`. */
function pointsOn(line: Line, axis: XAxis, pick: number[]): { xs: number[]; keep: number[] } {
  const xs: number[] = [];
  const keep: number[] = [];
  (line.x[axis] ?? []).forEach((x, i) => {
    if (x !== null && Number.isFinite(x) && i < pick.length) {
      xs.push(x);
      keep.push(i);
    }
  });
  return { xs, keep };
}

/** One chart: its heading and buttons, the uPlot canvas, a legend that reads the cursor. */
function drawChart(figure: HTMLElement, spec: ChartSpec, key: string, target: HTMLElement): uPlot {
  const axis = settings.x;
  const log = scales.get(spec.name) ?? spec.log;
  const restore = cursors.get(key);
  const weight = settings.smoothing;
  const clean = log ? positive : (values: (number | null)[]) => values;

  const tables: uPlot.AlignedData[] = [];
  const series: uPlot.Series[] = [{ label: X_TITLES[axis] }];
  const bands: uPlot.Band[] = [];
  const shown: Shown[] = [];
  for (const line of spec.lines) {
    const { xs, keep } = pointsOn(line, axis, line.y);
    const pick = (values: number[]) => keep.map((i) => values[i]);
    const ys = pick(line.y);
    const smoothing = line.smoothed ? weight : 0;
    const common = { spanGaps: true, scale: 'y' };
    if (smoothing > 0) {
      // the raw curve, faint, behind the smoothed one
      tables.push([xs, clean(ys)]);
      series.push({
        ...common,
        label: `${line.label} (raw)`,
        stroke: alpha(line.colour, 0.25),
        width: 1,
        dash: line.dash,
        points: { show: false },
      });
    }
    const smoothed = smooth(ys, smoothing);
    shown.push({ line, xs, ys: smoothed, raw: smoothing > 0 ? ys : null });
    const index = series.length;
    tables.push([xs, clean(smoothed)]);
    series.push({
      ...common,
      label: line.label,
      stroke: line.colour,
      width: line.style === 'points' ? 0 : 2,
      dash: line.dash,
      // a line of one point (a run stopped before its second log line) shows as a dot
      points: {
        show: line.style !== 'line' || xs.length === 1,
        size: 7,
        fill: line.colour,
        stroke: line.colour,
      },
      ...(line.style === 'points' ? { paths: () => null } : {}),
    });
    if (line.low && line.high) {
      tables.push(
        [xs, clean(smooth(pick(line.high), smoothing))],
        [xs, clean(smooth(pick(line.low), smoothing))],
      );
      const edge = {
        ...common,
        stroke: alpha(line.colour, 0.4),
        width: 1,
        points: { show: false },
      };
      series.push({ ...edge, label: `${line.label} max` }, { ...edge, label: `${line.label} min` });
      bands.push({ series: [index + 1, index + 2], fill: alpha(line.colour, 0.2) });
    }
  }
  const data = uPlot.join(tables);
  const xs = data[0] as number[];
  const extent: [number, number] = [xs[0] ?? 0, xs[xs.length - 1] ?? 1];

  const head = figure.querySelector<HTMLElement>('.chart-head')!;
  const place = figure.querySelector<HTMLElement>('.chart-plot')!;
  const legend = figure.querySelector<HTMLElement>('.chart-legend')!;
  const reset = head.querySelector<HTMLButtonElement>('button.reset')!;
  const colours = theme(target);
  const axisStyle = {
    stroke: colours.text,
    font: FONT,
    labelFont: `bold ${FONT}`,
    grid: { stroke: colours.grid, width: 1, filter: (_: uPlot, splits: number[]) => splits },
    ticks: { stroke: colours.grid, width: 1, filter: (_: uPlot, splits: number[]) => splits },
  };
  const yTicks = log
    ? {
        splits: (_: uPlot, _i: number, min: number, max: number) => logTicks(min, max),
        filter: (_: uPlot, splits: number[]) => splits,
        values: (_: uPlot, splits: number[]) => splits.map(logTickLabel),
      }
    : {
        values: (_: uPlot, splits: number[], _i: number, _space: number, spacing: number) =>
          splits.map((v) => tickLabel(v, spacing, spec.percent)),
      };

  // the legend: a marker in the line's colour and dash, its label, its value at the cursor
  const header = element('li', { className: 'chart-at' });
  const values: HTMLElement[] = [];
  legend.replaceChildren(header);
  for (const { line } of shown) {
    const value = element('span', { className: 'value' });
    values.push(value);
    const item = element('li', {}, swatch(line), element('span', {}, line.label), value);
    item.dataset.colour = line.colour;
    item.dataset.label = line.label;
    if (line.about) item.title = line.about;
    legend.append(item);
  }
  function showValues(index: number | null): void {
    const x = index === null ? null : (data[0][index] as number);
    header.textContent = x === null ? 'last values (hover for others)' : `at ${xLabel(axis, x)}`;
    shown.forEach((row, r) => {
      if (row.xs.length === 0) return void (values[r].textContent = '–');
      const i = x === null ? row.xs.length - 1 : nearest(row.xs, x);
      const y = valueLabel(row.ys[i], spec.percent);
      const raw = row.raw ? ` (raw ${valueLabel(row.raw[i], spec.percent)})` : '';
      const where = x !== null && row.xs[i] !== x ? ` at ${xLabel(axis, row.xs[i])}` : '';
      values[r].textContent = `${y}${raw}${where}`;
    });
  }

  const chart = new uPlot(
    {
      width: Math.max(200, place.clientWidth || 600),
      height: HEIGHT,
      series,
      bands,
      legend: { show: false },
      cursor: {
        // the charts share the cursor's step, not its height: a y scale never matches another
        // chart's, so uPlot puts their horizontal line off the plot (hidden), the vertical stays
        sync: { key: target.id || 'charts', match: [(own, other) => own === other, () => false] },
        drag: { x: true, y: false },
      },
      scales: {
        x: { time: false },
        y: log
          ? { distr: 3, log: 10, range: (_, min, max) => logRange(min, max) }
          : spec.percent
            ? { range: (_, min, max) => shareRange(min, max) }
            : {},
      },
      axes: [
        {
          ...axisStyle,
          label: X_TITLES[axis],
          labelSize: 24,
          values: (_, splits) =>
            splits.map((v) => (axis === 'time' ? duration(v) : v.toLocaleString('en-US'))),
        },
        {
          ...axisStyle,
          ...yTicks,
          label: spec.yLabel,
          labelSize: 22,
          labelGap: 2,
          gap: 5,
          size: (_, values) => Math.ceil(labelsWidth(values)) + 14,
        },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const { left = -1, top = -1, idx } = u.cursor;
            if (left >= 0 && idx !== null && idx !== undefined) cursors.set(key, { left, top });
            else cursors.delete(key);
            showValues(idx ?? null);
          },
        ],
        setScale: [(u, scale) => scale === 'x' && zoomed(u)],
        ready: [
          (u) => {
            const range = zooms.get(key);
            if (range) u.setScale('x', { min: range[0], max: range[1] });
          },
        ],
        // the y tick labels drawn, for tests and scripts (the canvas holds no text)
        draw: [
          (u) => {
            const drawn = (axis: number) =>
              ((u.axes[axis] as { _values?: (string | null)[] })._values ?? [])
                .filter((v) => v)
                .join(' | ');
            figure.dataset.xTicks = drawn(0);
            figure.dataset.yTicks = drawn(1);
          },
        ],
      },
    },
    data,
    place,
  );

  function zoomed(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    const slack = 1e-9 * Math.max(1, Math.abs(extent[1] - extent[0]));
    const inside = min > extent[0] + slack || max < extent[1] - slack;
    if (inside) zooms.set(key, [min, max]);
    else zooms.delete(key);
    reset.disabled = !inside;
    figure.dataset.zoomed = String(inside);
  }
  if (restore) chart.setCursor(restore);
  else showValues(null);

  // the keyboard reads the values too: focus the plot, then ← → (Home, End) move the cursor
  place.tabIndex = 0;
  place.setAttribute('role', 'img');
  place.setAttribute(
    'aria-label',
    `${spec.title} against ${X_TITLES[axis]}; the arrow keys move the cursor, the legend reads its values`,
  );
  place.onkeydown = (event) => {
    const last = xs.length - 1;
    const at = chart.cursor.idx ?? last;
    const moves: Record<string, number> = {
      ArrowLeft: Math.max(0, at - 1),
      ArrowRight: Math.min(last, at + 1),
      Home: 0,
      End: last,
    };
    if (!(event.key in moves) || last < 0) return;
    event.preventDefault();
    const left = chart.valToPos(xs[moves[event.key]], 'x');
    chart.setCursor({ left, top: chart.over.clientHeight / 2 });
  };
  reset.onclick = () => {
    zooms.delete(key);
    chart.setScale('x', { min: extent[0], max: extent[1] });
  };

  figure.dataset.chart = spec.name;
  figure.dataset.lines = String(spec.lines.length);
  figure.dataset.bands = String(bands.length);
  figure.dataset.scale = log ? 'log' : 'linear';
  figure.dataset.x = axis;
  return chart;
}

/** A chart's frame: a heading with its buttons, the plot's place, the legend. */
function frame(spec: ChartSpec, redraw: () => void): HTMLElement {
  const id = `chart-${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
  const title = element('h3', { id, className: 'chart-title' }, spec.title);
  const buttons = element('div', { className: 'chart-buttons' });
  if (spec.scaleToggle) {
    const log = scales.get(spec.name) ?? spec.log;
    const toggle = element('button', { type: 'button', className: 'scale' }, 'Log scale');
    toggle.setAttribute('aria-pressed', String(log));
    toggle.title = 'Draw the y axis on a log scale (pressed) or a linear one';
    toggle.onclick = () => {
      scales.set(spec.name, !(scales.get(spec.name) ?? spec.log));
      redraw();
    };
    buttons.append(toggle);
  }
  const reset = element(
    'button',
    { type: 'button', className: 'reset', disabled: true },
    'Reset zoom',
  );
  reset.title = 'Show every point again (or double-click the chart)';
  buttons.append(reset);
  const figure = element(
    'div',
    { className: 'chart' },
    element('div', { className: 'chart-head' }, title, buttons),
    element('div', { className: 'chart-plot' }),
    element('ul', { className: 'chart-legend' }),
  );
  figure.setAttribute('role', 'figure');
  figure.setAttribute('aria-labelledby', id);
  return figure;
}

/** The controls for every chart of the page: x axis, smoothing, and how to zoom. */
function controls(redraw: () => void): { bar: HTMLElement; time: HTMLOptionElement } {
  const select = element('select', { name: 'x-axis' });
  const time = element('option', { value: 'time' }, 'training time');
  select.append(
    element('option', { value: 'step' }, 'step'),
    element('option', { value: 'epoch' }, 'epoch'),
    time,
  );
  select.value = settings.x;
  select.onchange = () => {
    settings.x = select.value as XAxis;
    zooms.clear();
    redraw();
  };
  const slider = element('input', {
    type: 'range',
    name: 'smoothing',
    min: '0',
    max: '0.99',
    step: '0.01',
    value: String(settings.smoothing),
  });
  const shown = element('output', {}, settings.smoothing.toFixed(2));
  slider.oninput = () => {
    settings.smoothing = Number(slider.value);
    shown.textContent = settings.smoothing.toFixed(2);
    redraw();
  };
  const bar = element(
    'div',
    { className: 'chart-controls' },
    element('label', {}, 'x axis ', select),
    element('label', {}, 'Smoothing ', slider, shown),
    element(
      'p',
      { className: 'chart-hint' },
      'Hover a chart to read its values. Drag across it to zoom in; ',
      'Reset zoom (or a double-click) shows it all again.',
    ),
  );
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Chart options');
  slider.title = 'Exponential moving average of the per-step curves, as TensorBoard smooths';
  return { bar, time };
}

/** Links to each run's metrics files, as CSV and JSON (for pages that know where they are). */
function downloads(entries: CurvesEntry[]): Node[] {
  const items = entries.flatMap((entry) =>
    (entry.files ?? []).map((base, r) => {
      const link = (file: string, what: string) => {
        const a = element('a', { href: `${base}${file}`, download: '' }, file);
        a.title = what;
        return a;
      };
      return element(
        'li',
        {},
        `${entry.runs[r] ?? entry.label}: `,
        link('metrics.csv', 'one row per epoch, CSV'),
        ' · ',
        link('metrics.json', 'the configuration and every epoch, JSON'),
        ' · ',
        link('metrics.jsonl', 'one JSON line per epoch'),
      );
    }),
  );
  if (items.length === 0) return [];
  return [element('p', {}, 'Metrics of each run, per epoch:'), element('ul', {}, ...items)];
}

function render(target: HTMLElement, state: Drawn): void {
  for (const plot of state.plots) plot.destroy();
  const specs = state.specs ?? chartSpecs(state.entries);
  const runs = state.entries.flatMap((entry) => entry.runs).join(',');
  const figures = specs.map((spec) => frame(spec, () => render(target, state)));
  state.grid.replaceChildren(...figures);
  state.plots = specs.map((spec, s) => drawChart(figures[s], spec, `${spec.name}|${runs}`, target));
  state.downloads.replaceChildren(...downloads(state.entries));
  const timed = state.entries.some((entry) => entry.curves.seconds?.some((v) => v !== null));
  state.time.disabled = !timed;
  state.time.textContent = timed ? 'training time' : 'training time (after an epoch)';
}

/**
 * Draws the charts of `entries` into `target`, replacing what was there but the controls (so a
 * redraw keeps the reader's focus and choices).
 */
export function drawCharts(target: HTMLElement, entries: CurvesEntry[]): uPlot[] {
  return draw(target, entries);
}

/** Draws charts made elsewhere (a lesson's), with the same controls, hover, zoom and scales. */
export function drawSpecs(target: HTMLElement, specs: ChartSpec[]): uPlot[] {
  return draw(target, [], specs);
}

function draw(target: HTMLElement, entries: CurvesEntry[], specs?: ChartSpec[]): uPlot[] {
  let state = drawn.get(target);
  if (state && !target.contains(state.grid)) {
    // the page emptied the target itself: forget what was drawn there
    for (const plot of state.plots) plot.destroy();
    state.resized?.disconnect();
    state = undefined;
  }
  if (!state) {
    const redraw = () => render(target, state!);
    const { bar, time } = controls(redraw);
    state = {
      entries,
      plots: [],
      grid: element('div', { className: 'chart-grid' }),
      downloads: element('div', { className: 'chart-downloads' }),
      time,
    };
    target.replaceChildren(bar, state.grid, state.downloads);
    target.classList.add('charts-area');
    drawn.set(target, state);
    // the charts follow their box's width (a phone turned, a window resized)
    const fresh = state;
    let width = 0;
    state.resized = new ResizeObserver(() => {
      if (fresh.grid.clientWidth === width) return;
      width = fresh.grid.clientWidth;
      for (const plot of fresh.plots) {
        const place = plot.root.parentElement;
        if (place) plot.setSize({ width: Math.max(200, place.clientWidth), height: HEIGHT });
      }
    });
    state.resized.observe(fresh.grid);
  }
  state.entries = entries;
  state.specs = specs;
  render(target, state);
  return state.plots;
}

/** Removes the charts of `target` (and their controls). */
export function clearCharts(target: HTMLElement): void {
  const state = drawn.get(target);
  if (state) for (const plot of state.plots) plot.destroy();
  state?.resized?.disconnect();
  drawn.delete(target);
  target.replaceChildren();
  target.classList.remove('charts-area');
}

// the charts follow the page's light or dark theme
if (typeof window !== 'undefined') {
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const [target, state] of drawn) render(target, state);
  });
}

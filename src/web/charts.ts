// The charts of the report, `compare` and the studio, drawn by uPlot (small, fast, canvas) from
// runs' curves: loss and accuracy against the step, each dense layer's gradient norm on a log
// scale, the share of dead or saturated units. One drawing code for the three pages.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CurvesEntry, RunCurves } from '../report/series.js';

/** Tableau's ten colours (as matplotlib's default cycle). */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

interface Line {
  label: string;
  colour: string;
  x: number[];
  y: number[];
  /** Points only (per-epoch test figures), or a dashed line with points. */
  style: 'line' | 'dashed' | 'points';
  /** A group's lowest and highest values, drawn as a band around the line. */
  low?: number[];
  high?: number[];
}

interface ChartSpec {
  name: string;
  title: string;
  yLabel: string;
  lines: Line[];
  log?: boolean;
  percent?: boolean;
  /** The y axis' range, shared by charts that must be read against each other. */
  range?: [number, number];
}

const HEIGHT = 260;

function alpha(colour: string, opacity: number): string {
  const value = parseInt(colour.slice(1), 16);
  return `rgba(${value >> 16},${(value >> 8) & 255},${value & 255},${opacity})`;
}

/** A log scale cannot show zero: such values are left out. */
function positive(values: number[]): (number | null)[] {
  return values.map((v) => (v > 0 && Number.isFinite(v) ? v : null));
}

function legend(spec: ChartSpec): HTMLElement {
  const list = document.createElement('div');
  list.className = 'chart-legend';
  for (const line of spec.lines) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.className = `swatch ${line.style}`;
    swatch.style.borderColor = line.colour;
    if (line.low) swatch.style.background = alpha(line.colour, 0.25);
    item.append(swatch, line.label + (line.low ? ' (mean, min–max band)' : ''));
    list.append(item);
  }
  return list;
}

function draw(container: HTMLElement, spec: ChartSpec): uPlot {
  const tables: uPlot.AlignedData[] = [];
  const series: uPlot.Series[] = [{ label: 'step' }];
  const bands: uPlot.Band[] = [];
  const clean = spec.log ? positive : (values: number[]) => values;
  for (const line of spec.lines) {
    const index = series.length;
    tables.push([line.x, clean(line.y)]);
    series.push({
      label: line.label,
      stroke: line.colour,
      width: line.style === 'points' ? 0 : 2,
      dash: line.style === 'dashed' ? [6, 4] : undefined,
      spanGaps: true,
      points: { show: line.style !== 'line', size: 6, fill: line.colour },
      ...(line.style === 'points' ? { paths: () => null } : {}),
    });
    if (line.low && line.high) {
      tables.push([line.x, clean(line.high)], [line.x, clean(line.low)]);
      const edge = {
        stroke: alpha(line.colour, 0.4),
        width: 1,
        spanGaps: true,
        points: { show: false },
      };
      series.push({ ...edge, label: `${line.label} max` }, { ...edge, label: `${line.label} min` });
      bands.push({ series: [index + 1, index + 2], fill: alpha(line.colour, 0.2) });
    }
  }
  const format = spec.percent
    ? (v: number) => `${(100 * v).toFixed(1)}%`
    : (v: number) =>
        Math.abs(v) >= 1e-3 || v === 0 ? String(+v.toPrecision(3)) : v.toExponential(0);
  const width = Math.max(320, container.clientWidth || 640);
  const chart = new uPlot(
    {
      title: spec.title,
      width,
      height: HEIGHT,
      series,
      bands,
      legend: { show: false },
      scales: {
        x: { time: false },
        y: {
          ...(spec.log ? { distr: 3, log: 10 } : {}),
          ...(spec.range ? { range: () => spec.range! } : {}),
        },
      },
      axes: [
        { label: 'step' },
        {
          label: spec.yLabel,
          size: 64,
          values: (_, splits) => splits.map((v) => (v == null ? '' : format(v))),
        },
      ],
    },
    uPlot.join(tables),
    container,
  );
  container.append(legend(spec));
  container.dataset.chart = spec.name;
  container.dataset.lines = String(spec.lines.length);
  container.dataset.bands = String(bands.length);
  return chart;
}

/** The powers of ten around the positive values: one log axis for several charts. */
function decades(values: number[]): [number, number] | undefined {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return undefined;
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.ceil(Math.log10(Math.max(...positive)));
  return [10 ** low, 10 ** Math.max(high, low + 1)];
}

/** The per-layer charts' line labels: "dense 1 (first)", …, "dense 3 (output)". */
function layerLabel(layer: number, layers: number): string {
  if (layers === 1) return 'dense layer';
  return (
    `dense ${layer + 1}` + (layer === 0 ? ' (first)' : layer === layers - 1 ? ' (output)' : '')
  );
}

function lossAndAccuracy(entries: CurvesEntry[]): ChartSpec[] {
  const single = entries.length === 1;
  const specs: ChartSpec[] = [];
  for (const [name, train, test, validation, percent] of [
    ['loss', 'trainLoss', 'testLoss', 'validationLoss', false],
    ['accuracy', 'trainAccuracy', 'testAccuracy', 'validationAccuracy', true],
  ] as const) {
    const lines: Line[] = entries.flatMap((entry, e) => {
      const { curves, low, high } = entry;
      const colour = (k: number) => (single ? PALETTE[k] : PALETTE[e % PALETTE.length]);
      const prefix = single ? '' : `${entry.label}: `;
      return [
        {
          label: `${prefix}train`,
          colour: colour(0),
          x: curves.steps,
          y: curves[train],
          style: 'line' as const,
          low: low?.[train],
          high: high?.[train],
        },
        {
          label: `${prefix}test (after each epoch)`,
          colour: colour(1),
          x: curves.testSteps,
          y: curves[test],
          style: single ? ('points' as const) : ('dashed' as const),
        },
        ...(curves[validation].length
          ? [
              {
                label: `${prefix}validation (after each epoch)`,
                colour: single ? PALETTE[2] : colour(0),
                x: curves.testSteps,
                y: curves[validation],
                style: 'points' as const,
              },
            ]
          : []),
      ];
    });
    specs.push({ name, title: name, yLabel: name, lines, percent });
  }
  return specs;
}

function perLayer(
  name: string,
  title: string,
  entry: CurvesEntry,
  pick: (curves: RunCurves) => number[][],
  label: (layer: number, layers: number) => string,
  options: Partial<ChartSpec>,
): ChartSpec | null {
  const layers = pick(entry.curves);
  if (layers.length === 0) return null;
  const lines = layers.map((y, l) => ({
    label: label(l, layers.length),
    colour: PALETTE[l % PALETTE.length],
    x: entry.curves.steps,
    y,
    style: 'line' as const,
    low: entry.low ? pick(entry.low)[l] : undefined,
    high: entry.high ? pick(entry.high)[l] : undefined,
  }));
  return { name, title, yLabel: '', lines, ...options };
}

/**
 * The chart specifications for one run (its lines in fixed colours: train, test) or several
 * (one colour per run or group, a group's train figures with their band): loss, accuracy, then
 * per run its layers' gradient norms (log scale, one range for all runs) and, for networks with
 * hidden layers, the share of dead or saturated units.
 */
function chartSpecs(entries: CurvesEntry[]): ChartSpec[] {
  const specs = lossAndAccuracy(entries);
  const range = decades(entries.flatMap((entry) => entry.curves.gradientNorms.flat()));
  for (const entry of entries) {
    const suffix = entries.length === 1 ? '' : `: ${entry.label}`;
    const gradient = perLayer(
      'gradient-norms',
      `‖∂L/∂W‖₂ of each dense layer (log scale)${suffix}`,
      entry,
      (curves) => curves.gradientNorms,
      layerLabel,
      { log: true, yLabel: '‖∂L/∂W‖₂', range: entries.length > 1 ? range : undefined },
    );
    const saturation = perLayer(
      'saturation',
      `dead ReLUs or saturated sigmoid/tanh outputs${suffix}`,
      entry,
      (curves) => curves.saturation,
      (l) => `hidden layer ${l + 1}`,
      { percent: true, yLabel: 'share of units' },
    );
    for (const spec of [gradient, saturation]) if (spec) specs.push(spec);
  }
  return specs;
}

/** Draws the charts of `entries` into `target`, replacing what was there. */
export function drawCharts(target: HTMLElement, entries: CurvesEntry[]): uPlot[] {
  target.replaceChildren();
  return chartSpecs(entries).map((spec) => {
    const container = document.createElement('div');
    container.className = 'chart';
    target.append(container);
    return draw(container, spec);
  });
}

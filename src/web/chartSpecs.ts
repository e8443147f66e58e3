// Which charts a page shows for its runs, and which lines each one has: loss and accuracy (train,
// test, validation), each dense layer's gradient norm (log scale), the share of dead or saturated
// units. One run: a colour per series. Several: a colour per run, a dash per layer, on one chart.

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

/** A layer's dash when several runs share a chart: solid, dashed, dotted, dash-dot. */
export const DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [10, 3, 2, 3]];

export type XAxis = 'step' | 'epoch' | 'time';

export interface Line {
  label: string;
  /** The run's or group's whole description (its differing options), for a tooltip. */
  about?: string;
  colour: string;
  /** Each point's x for each choice of axis (null: not known, the point is left out). */
  x: Record<XAxis, (number | null)[]>;
  y: number[];
  /** 'line': a curve; 'points': dots only (a run's per-epoch figures); 'marked': both. */
  style: 'line' | 'points' | 'marked';
  dash?: number[];
  /** Smoothed by the page's smoothing control (per-step curves, not per-epoch figures). */
  smoothed: boolean;
  /** A group's lowest and highest values, drawn as a band around the line. */
  low?: number[];
  high?: number[];
}

export interface ChartSpec {
  /** Unique on a page: loss, accuracy, gradient-norms, saturation. */
  name: string;
  title: string;
  yLabel: string;
  lines: Line[];
  /** The y scale drawn first (log or linear), and whether a button offers the other. */
  log: boolean;
  scaleToggle: boolean;
  /** Values are shares (0–1), drawn as percentages within 0–100%. */
  percent: boolean;
}

/** A run's name in a legend: its id, or a group's label (the ids' options are in the page). */
function runName(entry: CurvesEntry): string {
  return entry.runs.length === 1 ? entry.runs[0] : entry.label;
}

const trainX = (c: RunCurves) => ({ step: c.steps, epoch: c.epochs, time: c.seconds });
const testX = (c: RunCurves) => ({ step: c.testSteps, epoch: c.testEpochs, time: c.testSeconds });

/**
 * Whether lines' values span more than three powers of ten (a diverged run's loss of ~800 beside
 * others' 0.3): a linear axis would flatten all but the largest, so a log axis is drawn first.
 */
function spansDecades(lines: Line[]): boolean {
  let low = Infinity;
  let high = 0;
  for (const line of lines) {
    for (const v of line.y) {
      if (v > 0 && Number.isFinite(v)) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
  }
  return high / low > 1000;
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
      const prefix = single ? '' : `${runName(entry)}: `;
      const about = single ? undefined : entry.label;
      return [
        {
          label: `${prefix}train`,
          about,
          colour: colour(0),
          x: trainX(curves),
          y: curves[train],
          style: 'line' as const,
          smoothed: true,
          low: low?.[train],
          high: high?.[train],
        },
        {
          label: `${prefix}test (after each epoch)`,
          about,
          colour: colour(1),
          x: testX(curves),
          y: curves[test],
          style: single ? ('points' as const) : ('marked' as const),
          dash: single ? undefined : DASHES[1],
          smoothed: false,
        },
        ...(curves[validation].length
          ? [
              {
                label: `${prefix}validation (after each epoch)`,
                about,
                colour: single ? PALETTE[2] : colour(0),
                x: testX(curves),
                y: curves[validation],
                style: 'points' as const,
                smoothed: false,
              },
            ]
          : []),
      ];
    });
    specs.push({
      name,
      title: name,
      yLabel: name,
      lines,
      percent,
      log: !percent && spansDecades(lines),
      scaleToggle: !percent,
    });
  }
  return specs;
}

/** The per-layer charts' line labels: "dense 1 (first)", …, "dense 3 (output)". */
function layerLabel(layer: number, layers: number): string {
  if (layers === 1) return 'dense layer';
  return (
    `dense ${layer + 1}` + (layer === 0 ? ' (first)' : layer === layers - 1 ? ' (output)' : '')
  );
}

/** One line per layer and run: one run's layers in colours, several runs' in dashes. */
function perLayer(
  entries: CurvesEntry[],
  pick: (curves: RunCurves) => number[][],
  label: (layer: number, layers: number) => string,
): Line[] {
  const single = entries.length === 1;
  return entries.flatMap((entry, e) => {
    const layers = pick(entry.curves);
    return layers.map((y, l) => ({
      label: (single ? '' : `${runName(entry)}: `) + label(l, layers.length),
      about: single ? undefined : entry.label,
      colour: PALETTE[(single ? l : e) % PALETTE.length],
      dash: single ? undefined : DASHES[l % DASHES.length],
      x: trainX(entry.curves),
      y,
      style: 'line' as const,
      smoothed: true,
      low: entry.low ? pick(entry.low)[l] : undefined,
      high: entry.high ? pick(entry.high)[l] : undefined,
    }));
  });
}

/**
 * The charts of one run (its series in fixed colours: train, test, validation) or several (a
 * colour per run or group of seeds, a group's train figures with their band): loss, accuracy,
 * every run's layers' gradient norms on one log-scale chart and, for networks with hidden
 * layers, the share of dead or saturated units.
 */
export function chartSpecs(entries: CurvesEntry[]): ChartSpec[] {
  const specs = lossAndAccuracy(entries);
  const gradients = perLayer(entries, (curves) => curves.gradientNorms, layerLabel);
  if (gradients.length) {
    specs.push({
      name: 'gradient-norms',
      title: '‖∂L/∂W‖₂ of each dense layer',
      yLabel: '‖∂L/∂W‖₂',
      lines: gradients,
      log: true,
      scaleToggle: true,
      percent: false,
    });
  }
  const saturation = perLayer(
    entries,
    (curves) => curves.saturation,
    (l) => `hidden layer ${l + 1}`,
  );
  if (saturation.length) {
    specs.push({
      name: 'saturation',
      title: 'dead ReLUs or saturated sigmoid/tanh outputs',
      yLabel: 'share of units',
      lines: saturation,
      log: false,
      scaleToggle: false,
      percent: true,
    });
  }
  return specs;
}

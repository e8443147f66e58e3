// Several runs side by side (`compare`, the studio): which options differ, runs that differ only
// in their seed grouped into one mean with a min–max band, and compare.html, one self-contained
// page with every run's curves overlaid, the differing options and the final metrics.

import { relative, sep } from 'node:path';
import type { EventLine, RunRecord, StepEvent } from '../train/records.js';
import { coarsenWindows } from './stepWindows.js';
import { chartsHtml, escapeHtml as escape, plainValue } from './page.js';
import {
  curvesBand,
  runCurves,
  type ComparedRun,
  type Comparison,
  type CurvesEntry,
} from './series.js';

/** Options that are not a run's choice of model or training, left out of the comparison. */
const NOT_OPTIONS = new Set(['model']);

function optionKeys(records: RunRecord[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record.config)) keys.add(key);
  return [...keys].filter((key) => !NOT_OPTIONS.has(key));
}

function differingKeys(records: RunRecord[]): string[] {
  return optionKeys(records).filter((key) => {
    const values = new Set(records.map((record) => JSON.stringify(record.config[key] ?? null)));
    return values.size > 1;
  });
}

/** "loss mse, lr 0.1": the differing options (but the seed) of a run. */
function describe(config: Record<string, unknown>, keys: string[]): string {
  return keys
    .filter((key) => key !== 'seed')
    .map((key) => `${key} ${plainValue(config[key])}`)
    .join(', ');
}

function comparedRun(record: RunRecord): ComparedRun {
  const last = record.history[record.history.length - 1];
  return {
    folder: record.folder,
    id: record.id,
    status: record.status,
    config: record.config,
    epochs: last?.epoch ?? 0,
    steps: last?.steps ?? 0,
    testAccuracy: last?.testAccuracy ?? null,
    testLoss: last?.testLoss ?? null,
  };
}

/** A link from a page in `from` to the folder `to`, ending in '/': "../runs/a/". */
function folderLink(from: string, to: string): string {
  const path = relative(from, to).split(sep).map(encodeURIComponent).join('/');
  return path ? `${path}/` : '';
}

/**
 * The members' event logs with their step lines merged to the widest stride among them (a long
 * log's lines are merged windows, see report/stepWindows.ts), so that their points align.
 */
function alignedEvents(members: RunRecord[]): EventLine[][] {
  const stride = Math.max(...members.map((record) => record.stepStride));
  return members.map(({ events, stepStride }) => {
    if (stepStride === stride) return events;
    const steps = events.filter((line): line is StepEvent => line.type === 'step');
    const others = events.filter((line) => line.type !== 'step');
    return [...others, ...coarsenWindows(steps, stride / stepStride)];
  });
}

/**
 * Compares runs: groups those whose options are all equal but for the seed (a group of one is
 * a line; of more, a mean with a band), and labels each by the options that set it apart. With
 * `pageFolder` (where compare.html goes), each entry links its runs' folders from there.
 */
export function compareRuns(records: RunRecord[], pageFolder?: string): Comparison {
  const differing = differingKeys(records);
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = JSON.stringify(differing.filter((k) => k !== 'seed').map((k) => record.config[k]));
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const entries = [...groups.values()].map((members): CurvesEntry => {
    const events = alignedEvents(members);
    const curves = members.map((record, i) => runCurves(events[i], record.history));
    const label = describe(members[0].config, differing);
    const runs = members.map((record) => record.id);
    const files =
      pageFolder === undefined
        ? {}
        : { files: members.map((record) => folderLink(pageFolder, record.folder)) };
    if (members.length === 1) {
      return { label: label ? `${runs[0]}: ${label}` : runs[0], runs, curves: curves[0], ...files };
    }
    const seeds = members.map((record) => plainValue(record.config.seed)).join(', ');
    const band = curvesBand(curves);
    return {
      label: `${label || 'same options'} (seeds ${seeds})`,
      runs,
      curves: band.mean,
      low: band.low,
      high: band.high,
      ...files,
    };
  });
  return { runs: records.map(comparedRun), differing, entries };
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(100 * value).toFixed(2)}%`;
}

/** compare.html: the curves overlaid, the differing options and the final metrics. */
export function compareHtml(comparison: Comparison): string {
  const { runs, differing, entries } = comparison;
  const header = runs.map((run) => `<th>${escape(run.id)}</th>`).join('');
  const row = (name: string, cells: string[]) =>
    `<tr><th>${escape(name)}</th>${cells.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`;
  const options = differing.map((key) =>
    row(
      key,
      runs.map((run) => plainValue(run.config[key])),
    ),
  );
  const metrics = [
    row(
      'status',
      runs.map((run) => run.status),
    ),
    row(
      'epochs',
      runs.map((run) => String(run.epochs)),
    ),
    row(
      'steps',
      runs.map((run) => String(run.steps)),
    ),
    row(
      'test accuracy',
      runs.map((run) => percent(run.testAccuracy)),
    ),
    row(
      'test loss',
      runs.map((run) => (run.testLoss === null ? '–' : run.testLoss.toFixed(4))),
    ),
  ];
  const charts = chartsHtml(entries);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mnist-softmax: ${runs.length} runs compared</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
</style>
${charts.head}
</head>
<body>
<h1>${runs.length} runs compared</h1>
<h2>Options that differ</h2>
${
  differing.length
    ? `<table class="options"><tr><th>option</th>${header}</tr>${options.join('')}</table>`
    : '<p>None: the runs have the same options.</p>'
}
<h2>Final metrics</h2>
<table class="metrics"><tr><th></th>${header}</tr>${metrics.join('')}</table>
<h2>Curves</h2>
<p>Runs that differ only in their seed are drawn as their mean with a band from the lowest to the
highest value. Train figures per step (means over the steps between two points of the event log),
test figures after each epoch (dashed), gradient norms on a log scale.</p>
${charts.body}
</body>
</html>
`;
}

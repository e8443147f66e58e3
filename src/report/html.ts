// report.html: one self-contained page (no network) with a run's configuration, metrics, curves
// (per step, drawn by the charts' script inlined in it), weight pictures with their colour scale,
// confusion matrix heat map and misclassified test digits.

import type { Split } from '../data/dataset.js';
import { encodeGreyPng } from '../data/png.js';
import type { Network } from '../model/network.js';
import { grouped } from '../numbers.js';
import { firstMistakes, type Evaluation } from '../train/evaluate.js';
import type { EpochMetrics } from '../train/records.js';
import { chartsHtml, escapeHtml as escape, plainValue } from './page.js';
import type { RunCurves } from './series.js';

const MISCLASSIFIED_SHOWN = 24;

function dataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

function percent(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–';
}

function confusionTable(evaluation: Evaluation, classes: string[]): string {
  const header = classes.map((c) => `<th>${escape(c)}</th>`).join('');
  const rows = evaluation.confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((count, p) => {
      const share = count / total;
      // the diagonal in blue, mistakes in red, by the share of the true class's images
      const colour =
        t === p
          ? `rgba(31,119,180,${share.toFixed(3)})`
          : `rgba(214,39,40,${Math.min(1, 5 * share).toFixed(3)})`;
      return `<td style="background:${colour}" title="true ${escape(classes[t])}, predicted ${escape(classes[p])}">${count}</td>`;
    });
    return `<tr><th>${escape(classes[t])}</th>${cells.join('')}</tr>`;
  });
  return `<table class="confusion"><tr><th>true \\ predicted</th>${header}</tr>${rows.join('')}</table>`;
}

/** Up to MISCLASSIFIED_SHOWN test images the network gets wrong, with both labels. */
function misclassified(network: Network, split: Split): string {
  const { height, width } = split;
  const size = height * width;
  return firstMistakes(network, split, MISCLASSIFIED_SHOWN)
    .map(({ index, predicted }) => {
      const pixels = split.images.subarray(index * size, (index + 1) * size);
      const truth = split.labels[index];
      return (
        `<figure><img src="${dataUri(encodeGreyPng(pixels, width, height))}" width="${2 * width}" height="${2 * height}" alt="test image ${index}">` +
        `<figcaption>#${index}: predicted <b>${escape(network.classes[predicted])}</b>, true ${escape(network.classes[truth])}</figcaption></figure>`
      );
    })
    .join('\n');
}

/** The weights' colour scale: red at −largest, white at 0, blue at +largest. */
function colourScale(largest: number): string {
  const label = (v: number) => `<span>${+v.toPrecision(3)}</span>`;
  return (
    `<div class="colour-scale"><div class="bar"></div>` +
    `<div class="labels">${label(-largest)}${label(0)}${label(largest)}</div></div>`
  );
}

export interface ReportInput {
  config: Record<string, unknown>;
  history: EpochMetrics[];
  curves: RunCurves;
  weights: Buffer;
  /** The |weight| drawn in full colour. */
  largestWeight: number;
  evaluation: Evaluation;
  network: Network;
  test: Split;
  /** A stopped run's mark: "stopped after epoch 2, batch 31". */
  stopped?: string;
}

export function reportHtml(input: ReportInput): string {
  const { config, history, curves, weights, evaluation, network, test } = input;
  const configRows = Object.entries(config)
    .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(plainValue(v))}</td></tr>`)
    .join('');
  const charts = chartsHtml([{ label: 'this run', runs: [], curves, files: [''] }]);
  const validated = history.some((m) => m.validationAccuracy !== undefined);
  const validation = (m: EpochMetrics) =>
    validated
      ? `<td>${m.validationLoss!.toFixed(4)}</td><td>${percent(m.validationAccuracy!)}</td>`
      : '';
  const metricRows = history
    .map(
      (m) =>
        `<tr><td>${m.epoch}</td><td>${m.trainLoss.toFixed(4)}</td><td>${percent(m.trainAccuracy)}</td>` +
        validation(m) +
        `<td>${m.testLoss.toFixed(4)}</td><td>${percent(m.testAccuracy)}</td><td>${m.seconds.toFixed(2)}</td></tr>`,
    )
    .join('');
  const validationHeader = validated ? '<th>validation loss</th><th>validation accuracy</th>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mnist-softmax run: ${escape(String(config.model ?? ''))}, ${percent(evaluation.accuracy)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
table.config th, table.config td { text-align: left; }
table.confusion td { min-width: 2.5em; }
figure { display: inline-block; margin: 0.3em; text-align: center; font-size: 0.8em; }
figure img { image-rendering: pixelated; background: black; }
.weights { display: flex; align-items: center; gap: 1.5em; }
.colour-scale { width: 240px; font-size: 0.8em; }
.colour-scale .bar { height: 14px; background: linear-gradient(to right, #f00, #fff, #00f); border: 1px solid #999; }
.colour-scale .labels { display: flex; justify-content: space-between; }
</style>
${charts.head}
</head>
<body>
<h1>mnist-softmax run</h1>
${input.stopped ? `<p class="stopped"><b>This run was ${escape(input.stopped)}</b>: the model shown is the one saved at its last finished epoch (resume it with <code>train --resume</code>).</p>\n` : ''}<p>Test accuracy <b>${percent(evaluation.accuracy)}</b>, loss ${evaluation.loss.toFixed(4)}, on ${grouped(evaluation.count)} test images.</p>
<h2>Configuration</h2>
<table class="config">${configRows}</table>
<h2>Metrics</h2>
<table><tr><th>epoch</th><th>train loss</th><th>train accuracy</th>${validationHeader}<th>test loss</th><th>test accuracy</th><th>seconds</th></tr>${metricRows}</table>
<h2>Curves</h2>
<p>Train loss and accuracy per step (means over the steps between two points of the event log),
the test set after each epoch, each dense layer's gradient norm ‖∂L/∂W‖₂ on a log scale (shrinking
towards the first layer: vanishing gradients) and, with hidden layers, the share of dead ReLUs or
saturated sigmoid/tanh outputs.</p>
${charts.body}
<h2>Weights</h2>
<p>Blue: positive weights (evidence for), red: negative (evidence against).</p>
<div class="weights"><img id="weights" src="${dataUri(weights)}" alt="learned weights">
${colourScale(input.largestWeight)}</div>
<h2>Confusion matrix</h2>
${confusionTable(evaluation, network.classes)}
<h2>Misclassified test images</h2>
<div id="misclassified">
${misclassified(network, test)}
</div>
</body>
</html>
`;
}

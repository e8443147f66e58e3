// curves.svg: loss and accuracy per epoch, train and test, as two small line charts.

import type { EpochMetrics } from '../train/records.js';

const PANEL_WIDTH = 360;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 52, right: 12, top: 28, bottom: 36 };
const COLOURS = { train: '#1f77b4', test: '#d62728' };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(
  title: string,
  epochs: number[],
  series: { name: 'train' | 'test'; values: number[] }[],
  format: (v: number) => string,
  offsetX: number,
): string {
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (!(high > low)) {
    low -= 0.5;
    high += 0.5;
  }
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  const x = (epoch: number) =>
    MARGIN.left + (last === first ? plotWidth / 2 : ((epoch - first) / (last - first)) * plotWidth);
  const y = (v: number) => MARGIN.top + (1 - (v - low) / (high - low)) * plotHeight;
  const parts = [
    `<g transform="translate(${offsetX},0)">`,
    `<text x="${PANEL_WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  ];
  for (const v of [low, (low + high) / 2, high]) {
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${format(v)}</text>`,
    );
  }
  for (const epoch of epochs) {
    parts.push(
      `<text x="${x(epoch)}" y="${PANEL_HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${epoch}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${PANEL_HEIGHT - 4}" text-anchor="middle" font-size="11">epoch</text>`,
  );
  series.forEach(({ name, values }, s) => {
    const points = values
      .map((v, i) => (Number.isFinite(v) ? `${x(epochs[i]).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p) => p !== null);
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${COLOURS[name]}" stroke-width="2"/>`,
    );
    for (const point of points) {
      const [px, py] = point.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${COLOURS[name]}"/>`);
    }
    const legendY = MARGIN.top + 14 + 14 * s;
    parts.push(
      `<text x="${MARGIN.left + plotWidth - 6}" y="${legendY}" text-anchor="end" font-size="11" fill="${COLOURS[name]}">${name}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** The SVG text of the loss and accuracy curves. */
export function curvesSvg(history: EpochMetrics[]): string {
  const epochs = history.map((m) => m.epoch);
  const loss = panel(
    'loss',
    epochs,
    [
      { name: 'train', values: history.map((m) => m.trainLoss) },
      { name: 'test', values: history.map((m) => m.testLoss) },
    ],
    (v) => v.toFixed(3),
    0,
  );
  const accuracy = panel(
    'accuracy',
    epochs,
    [
      { name: 'train', values: history.map((m) => m.trainAccuracy) },
      { name: 'test', values: history.map((m) => m.testAccuracy) },
    ],
    (v) => `${(100 * v).toFixed(1)}%`,
    PANEL_WIDTH,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * PANEL_WIDTH}" height="${PANEL_HEIGHT}" ` +
    `viewBox="0 0 ${2 * PANEL_WIDTH} ${PANEL_HEIGHT}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${loss}\n${accuracy}\n</svg>\n`
  );
}

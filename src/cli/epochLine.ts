// An epoch's line on the terminal: as much of it as fits on one line, else folded between its
// figures (never inside one).

import { grouped } from '../numbers.js';
import type { EpochMetrics } from '../train/records.js';
import { pack, percent } from './format.js';

/**
 * An epoch's line in `width` columns: everything when it fits; then without the samples per
 * second, then with short labels, then without the learning rate and the seconds. The epoch,
 * train, validation and test figures are always there (about 60 columns); `extra` (the tfjs
 * check) too. Narrower still (a terminal of 40 or 50 columns), the short form with the learning
 * rate and the seconds is folded between its groups onto indented lines.
 */
export function epochLine(
  metrics: EpochMetrics,
  epochs: number,
  showRate = false,
  width = Infinity,
  extra = '',
): string {
  const { validationAccuracy: validation } = metrics;
  const epoch = `epoch ${String(metrics.epoch).padStart(String(epochs).length)}/${epochs}`;
  const rate = showRate ? `lr ${metrics.learningRate.toPrecision(3)}` : '';
  const seconds = `${metrics.seconds.toFixed(2)} s`;
  const speed = `${grouped(metrics.samplesPerSecond)} samples/s`;
  const figures = (long: boolean) => [
    `train ${long ? 'loss ' : ''}${metrics.trainLoss.toFixed(4)} ${long ? 'acc ' : ''}` +
      percent(metrics.trainAccuracy),
    validation === undefined ? '' : `val ${long ? 'acc ' : ''}${percent(validation)}`,
    `test ${long ? 'loss ' : ''}${metrics.testLoss.toFixed(4)} ${long ? 'acc ' : ''}` +
      percent(metrics.testAccuracy),
  ];
  const candidates = [
    [epoch, rate, ...figures(true), seconds, speed, extra],
    [epoch, rate, ...figures(true), seconds, extra],
    [epoch, rate, ...figures(false), seconds, extra],
    [epoch, ...figures(false), seconds, extra],
    [epoch, ...figures(false), extra],
  ].map((parts) => parts.filter(Boolean));
  const line = candidates.map((parts) => parts.join('  ')).find((text) => text.length <= width);
  return line ?? pack(candidates[2], width, '  ', '  ');
}

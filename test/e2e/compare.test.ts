// `compare`: real runs through the CLI, the page in real Chromium.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/report/series.js';
import { chartsOf, haveChromium, launchChromium, pageWithErrors } from '../browser.js';
import { runCli, temporaryFolder } from '../helpers.js';

const root = temporaryFolder();
const SHORT = ['--train-limit', '2000', '--test-limit', '300', '--epochs', '2', '--no-progress'];
const runs = {
  seed1: join(root, 'seed1'),
  seed2: join(root, 'seed2'),
  mse: join(root, 'mse'),
};
for (const [args, out] of [
  [['--seed', '1'], runs.seed1],
  [['--seed', '2'], runs.seed2],
  [['--loss', 'mse'], runs.mse],
] as const) {
  const result = runCli(['train', ...SHORT, ...args, '--out', out]);
  if (result.status !== 0) throw new Error(result.stderr);
}

describe('compare', () => {
  it('groups the runs that differ only in their seed, and names what differs', () => {
    const result = runCli(['compare', runs.seed1, runs.seed2, runs.mse, '--json']);
    expect(result.status).toBe(0);
    const comparison = JSON.parse(result.stdout) as Comparison;
    expect(comparison.differing).toEqual(['loss', 'seed']);
    expect(comparison.entries.map((entry) => entry.runs)).toEqual([['seed1', 'seed2'], ['mse']]);
    const [group, single] = comparison.entries;
    expect(group.low && group.high).toBeTruthy();
    expect(single.low).toBeUndefined();
    // the band holds the mean, point by point
    group.curves.trainLoss.forEach((mean, i) => {
      expect(group.low!.trainLoss[i]).toBeLessThanOrEqual(mean);
      expect(group.high!.trainLoss[i]).toBeGreaterThanOrEqual(mean);
    });
    expect(group.curves.steps).toEqual(single.curves.steps); // 20 steps an epoch, every one
    expect(comparison.runs.map((run) => run.status)).toEqual(['finished', 'finished', 'finished']);
  });

  it('refuses a folder that is not a run, in one line', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const folder of [empty, join(root, 'missing')]) {
      const result = runCli(['compare', runs.seed1, folder]);
      expect(result.status).toBe(3);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(folder);
    }
    const page = join(root, 'taken.html');
    writeFileSync(page, 'mine');
    const refused = runCli(['compare', runs.seed1, '--out', page]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/already exists; pass --force/);
  });

  it.skipIf(!haveChromium)('draws one band (the seeds) and one line (the other run)', async () => {
    const out = join(root, 'compare.html');
    const result = runCli(['compare', runs.seed1, runs.seed2, runs.mse, '--out', out]);
    expect(result.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const browser = await launchChromium();
    try {
      const { page, errors } = await pageWithErrors(browser);
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
      const charts = await chartsOf(page);
      const loss = charts.find((chart) => chart.name === 'loss')!;
      // train and test of the group and of the other run; the group's train with its band
      expect([loss.lines, loss.bands]).toEqual([4, 1]);
      // every run's gradient norms on one chart: the group's (with its band) and the other run's
      const gradients = charts.filter((chart) => chart.name === 'gradient-norms');
      expect(gradients.map((chart) => [chart.lines, chart.bands])).toEqual([[2, 1]]);
      for (const chart of charts) expect(chart.inked).toBeGreaterThan(300);
      const header = await page.$$eval('table.options th', (cells) =>
        cells.map((cell) => cell.textContent),
      );
      expect(header).toEqual(['option', 'seed1', 'seed2', 'mse', 'loss', 'seed']);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

// The studio's lessons in real Chromium, as a new user meets them: a lesson started by its
// button's name lists its runs at once, throws no page error while they start, and ends with its
// claim's figures (computed from the runs) and one chart with both arms. Real MNIST, real runs.

import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { haveChromium, pageWithErrors } from '../browser.js';
import { temporaryFolder } from '../helpers.js';
import { useStudio } from './studioProcess.js';

const root = temporaryFolder('mnist-softmax-lessons-');
const studio = useStudio(join(root, 'runs'));

describe.skipIf(!haveChromium)('lessons', () => {
  it('cross-entropy against squared error: runs listed at once, figures, one chart', async () => {
    const { page, errors } = await pageWithErrors(studio.browser);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(studio.url);
    await page.getByRole('button', { name: 'Cross-entropy against squared error' }).click();
    const panel = page.locator('#lesson-view');
    // both arms are listed before either has a folder
    await expect
      .poll(() => panel.locator('.lesson-arms li').allTextContents())
      .toEqual([
        expect.stringMatching(/^cross-entropy: (queued|starting|running)/),
        expect.stringMatching(/^squared error: (queued|starting|running)/),
      ]);
    await panel
      .getByRole('heading', { name: 'What the runs showed' })
      .waitFor({ timeout: 120_000 });
    const text = await panel.locator('.lesson-figures').textContent();
    expect(text).toMatch(
      /Squared error’s gradient norm \(output layer, mean over the steps\) is 1\/[\d.]+ of cross-entropy’s; after 600 steps test accuracy squared error \d+\.\d\d%, cross-entropy \d+\.\d\d%\./,
    );
    expect(text).not.toMatch(/so far|–/);
    const charts = panel.getByRole('figure');
    await expect.poll(() => charts.count()).toBe(1);
    const chart = panel.getByRole('figure', { name: '‖∂L/∂W‖₂ of the output layer, both losses' });
    await expect.poll(() => chart.getAttribute('data-lines')).toBe('2');
    expect(await panel.locator('.lesson-arms li').allTextContents()).toEqual([
      'cross-entropy: finished',
      'squared error: finished',
    ]);
    // the runs list names each arm's run by its lesson and arm
    const ids = await page
      .locator('[data-testid=run-item]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    expect(ids.sort()).toEqual([
      expect.stringMatching(
        /^\d{4}-\d\d-\d\dT[\d-]+-cross-entropy-vs-squared-error-cross-entropy$/,
      ),
      expect.stringMatching(
        /^\d{4}-\d\d-\d\dT[\d-]+-cross-entropy-vs-squared-error-squared-error$/,
      ),
    ]);
    // the two runs overlaid below colour each arm's run as the lesson's chart colours the arm
    const colours = (figure: Locator) =>
      figure
        .locator('.chart-legend li[data-label]')
        .evaluateAll((items) =>
          items.map((item) => `${item.dataset.label} ${item.dataset.colour}`),
        );
    const overlaid = page.locator('#charts').getByRole('figure').first();
    const armColours = new Map(
      (await colours(chart)).map((text) => [
        text.split(':')[0].replace(' ', '-'), // "squared error: output layer #d62728"
        text.split(' ').pop(),
      ]),
    );
    const runColours = await colours(overlaid); // "<time>-…-squared-error: train #d62728"
    expect(runColours).toHaveLength(4);
    for (const text of runColours) {
      const arm = /-(cross-entropy|squared-error): /.exec(text)![1];
      expect(text.split(' ').pop(), text).toBe(armColours.get(arm));
    }
    await page.screenshot({ path: join(root, 'lesson-1400.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(root, 'lesson-390.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 180_000);
});
